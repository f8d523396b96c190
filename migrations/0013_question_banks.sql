CREATE TABLE `bank_question_tags` (
	`bank_id` text NOT NULL,
	`tag` text NOT NULL,
	`question_id` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bank_question_tags_pk` ON `bank_question_tags` (`bank_id`,`tag`,`question_id`);--> statement-breakpoint
CREATE INDEX `bank_question_tags_by_question` ON `bank_question_tags` (`question_id`);--> statement-breakpoint
CREATE TABLE `bank_question_versions` (
	`question_id` text NOT NULL,
	`version` integer NOT NULL,
	`hash` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	`used_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bank_question_versions_pk` ON `bank_question_versions` (`question_id`,`version`);--> statement-breakpoint
CREATE TABLE `bank_questions` (
	`id` text PRIMARY KEY NOT NULL,
	`bank_id` text NOT NULL,
	`version` integer NOT NULL,
	`version_hash` text NOT NULL,
	`question_type` text NOT NULL,
	`question_text` text NOT NULL,
	`name` text,
	`tags` text NOT NULL,
	`created_by` text NOT NULL,
	`updated_by` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`archived_at` text
);
--> statement-breakpoint
CREATE INDEX `bank_questions_by_bank` ON `bank_questions` (`bank_id`,`archived_at`,`id`);--> statement-breakpoint
CREATE TABLE `question_banks` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`archived_at` text
);
--> statement-breakpoint
CREATE INDEX `question_banks_live` ON `question_banks` (`archived_at`,`id`);--> statement-breakpoint
CREATE TABLE `question_versions` (
	`hash` text PRIMARY KEY NOT NULL,
	`body` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
ALTER TABLE `form_submissions` ADD `question_refs` text;--> statement-breakpoint
ALTER TABLE `forms` ADD `sections` text;