CREATE TABLE `cohort_members` (
	`cohort_id` text NOT NULL,
	`participant_id` text NOT NULL,
	`added_by` text NOT NULL,
	`added_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `cohort_members_pk` ON `cohort_members` (`cohort_id`,`participant_id`);--> statement-breakpoint
CREATE INDEX `cohort_members_by_participant` ON `cohort_members` (`participant_id`);--> statement-breakpoint
CREATE TABLE `cohorts` (
	`id` text PRIMARY KEY NOT NULL,
	`course_id` text NOT NULL,
	`name` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`archived_at` text
);
--> statement-breakpoint
CREATE INDEX `cohorts_by_course` ON `cohorts` (`course_id`,`archived_at`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `cohorts_live_name` ON `cohorts` (`course_id`,lower(`name`)) WHERE `archived_at` IS NULL;--> statement-breakpoint
CREATE TABLE `course_staff` (
	`course_id` text NOT NULL,
	`staff_id` text NOT NULL,
	`role` text NOT NULL,
	`cohort_ids` text,
	`granted_by` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `course_staff_pk` ON `course_staff` (`course_id`,`staff_id`);--> statement-breakpoint
CREATE INDEX `course_staff_by_staff` ON `course_staff` (`staff_id`);