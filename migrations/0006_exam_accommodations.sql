CREATE TABLE `accommodations` (
	`participant_id` text PRIMARY KEY NOT NULL,
	`extra_time_percent` integer DEFAULT 0 NOT NULL,
	`extra_attempts` integer DEFAULT 0 NOT NULL,
	`note` text,
	`updated_by` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `exam_overrides` (
	`form_id` text NOT NULL,
	`participant_id` text NOT NULL,
	`duration_minutes` integer,
	`max_attempts` integer,
	`available_until` text,
	`updated_by` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `exam_overrides_pk` ON `exam_overrides` (`form_id`,`participant_id`);--> statement-breakpoint
CREATE INDEX `exam_overrides_participant` ON `exam_overrides` (`participant_id`);--> statement-breakpoint
ALTER TABLE `form_submissions` ADD `effective_duration_minutes` integer;--> statement-breakpoint
ALTER TABLE `forms` ADD `available_from` text;--> statement-breakpoint
ALTER TABLE `forms` ADD `available_until` text;