CREATE TABLE `courses` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`image_url` text,
	`previous_course_id` text,
	`next_course_id` text,
	`default_step_id` text,
	`order_index` integer DEFAULT 0 NOT NULL,
	`is_active` integer DEFAULT true NOT NULL,
	`is_default` integer DEFAULT false NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`created_by` text NOT NULL,
	`archived_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `courses_one_default` ON `courses` (`is_default`) WHERE "courses"."is_default" = 1;--> statement-breakpoint
CREATE UNIQUE INDEX `courses_previous_unique` ON `courses` (`previous_course_id`) WHERE "courses"."previous_course_id" IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `courses_next_unique` ON `courses` (`next_course_id`) WHERE "courses"."next_course_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `courses_order` ON `courses` (`archived_at`,`order_index`);--> statement-breakpoint
CREATE INDEX `courses_default_step` ON `courses` (`default_step_id`);--> statement-breakpoint
CREATE TABLE `enrollments` (
	`id` text PRIMARY KEY NOT NULL,
	`participant_id` text NOT NULL,
	`course_id` text NOT NULL,
	`start_step_id` text,
	`enrolled_at` text NOT NULL,
	`completed_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `enrollments_participant_course` ON `enrollments` (`participant_id`,`course_id`);--> statement-breakpoint
CREATE INDEX `enrollments_course` ON `enrollments` (`course_id`);--> statement-breakpoint
CREATE INDEX `enrollments_start_step` ON `enrollments` (`start_step_id`);--> statement-breakpoint
CREATE TABLE `form_submissions` (
	`id` text PRIMARY KEY NOT NULL,
	`form_id` text NOT NULL,
	`step_id` text NOT NULL,
	`course_id` text NOT NULL,
	`participant_id` text NOT NULL,
	`attempt_number` integer NOT NULL,
	`submission_status` text NOT NULL,
	`started_at` text NOT NULL,
	`deadline_at` text,
	`submitted_at` text,
	`questions_snapshot` text,
	`answers` text,
	`mcq_score` real,
	`theory_score` real,
	`total_score` real,
	`feedback` text,
	`theory_grades` text,
	`retake_reason` text,
	`is_late` integer DEFAULT false NOT NULL,
	`auto_submitted` integer DEFAULT false NOT NULL,
	`reviewed_by` text,
	`reviewed_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `form_submissions_attempt` ON `form_submissions` (`participant_id`,`form_id`,`attempt_number`);--> statement-breakpoint
CREATE UNIQUE INDEX `form_submissions_one_open` ON `form_submissions` (`participant_id`,`form_id`) WHERE "form_submissions"."submission_status" = 'InProgress';--> statement-breakpoint
CREATE INDEX `form_submissions_participant` ON `form_submissions` (`participant_id`,`course_id`);--> statement-breakpoint
CREATE INDEX `form_submissions_open_deadline` ON `form_submissions` (`submission_status`,`deadline_at`);--> statement-breakpoint
CREATE INDEX `form_submissions_form` ON `form_submissions` (`form_id`);--> statement-breakpoint
CREATE INDEX `form_submissions_step` ON `form_submissions` (`step_id`,`submission_status`);--> statement-breakpoint
CREATE INDEX `form_submissions_course` ON `form_submissions` (`course_id`,`submission_status`);--> statement-breakpoint
CREATE TABLE `forms` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`step_id` text,
	`duration_minutes` integer NOT NULL,
	`total_marks` real NOT NULL,
	`passing_marks` real NOT NULL,
	`max_attempts` integer NOT NULL,
	`passing_percentage` real NOT NULL,
	`questions` text NOT NULL,
	`question_count` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`created_by` text NOT NULL,
	`archived_at` text
);
--> statement-breakpoint
CREATE INDEX `forms_step` ON `forms` (`step_id`,`archived_at`);--> statement-breakpoint
CREATE TABLE `material_completions` (
	`participant_id` text NOT NULL,
	`material_id` text NOT NULL,
	`step_id` text NOT NULL,
	`completed_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `material_completions_pk` ON `material_completions` (`participant_id`,`material_id`);--> statement-breakpoint
CREATE INDEX `material_completions_material` ON `material_completions` (`material_id`);--> statement-breakpoint
CREATE INDEX `material_completions_step` ON `material_completions` (`step_id`,`participant_id`);--> statement-breakpoint
CREATE TABLE `materials` (
	`id` text PRIMARY KEY NOT NULL,
	`step_id` text NOT NULL,
	`material_type` text NOT NULL,
	`title` text NOT NULL,
	`description` text,
	`content` text NOT NULL,
	`requirement_table_id` text,
	`order_index` integer DEFAULT 0 NOT NULL,
	`is_mandatory` integer DEFAULT true NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`created_by` text NOT NULL,
	`archived_at` text
);
--> statement-breakpoint
CREATE INDEX `materials_step_order` ON `materials` (`step_id`,`order_index`);--> statement-breakpoint
CREATE INDEX `materials_requirement_table` ON `materials` (`requirement_table_id`);--> statement-breakpoint
CREATE TABLE `requirement_rows` (
	`submission_id` text NOT NULL,
	`serial_number` integer NOT NULL,
	`completed` integer DEFAULT false NOT NULL,
	`completed_value` real,
	`remarks` text,
	`completed_at` text,
	`approved` integer,
	`approved_by` text,
	`approved_at` text,
	`approval_remarks` text,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `requirement_rows_pk` ON `requirement_rows` (`submission_id`,`serial_number`);--> statement-breakpoint
CREATE TABLE `requirement_submissions` (
	`id` text PRIMARY KEY NOT NULL,
	`requirement_table_id` text NOT NULL,
	`participant_id` text NOT NULL,
	`created_at` text NOT NULL,
	`submitted_at` text,
	`approved_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `requirement_submissions_participant_table` ON `requirement_submissions` (`participant_id`,`requirement_table_id`);--> statement-breakpoint
CREATE INDEX `requirement_submissions_table` ON `requirement_submissions` (`requirement_table_id`,`submitted_at`);--> statement-breakpoint
CREATE TABLE `requirement_tables` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`step_id` text,
	`requirements` text NOT NULL,
	`requirement_count` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`created_by` text NOT NULL,
	`archived_at` text
);
--> statement-breakpoint
CREATE INDEX `requirement_tables_step` ON `requirement_tables` (`step_id`,`archived_at`);--> statement-breakpoint
CREATE TABLE `steps` (
	`id` text PRIMARY KEY NOT NULL,
	`course_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`order_index` integer DEFAULT 0 NOT NULL,
	`previous_step_id` text,
	`unlock_on_exam_pass` integer DEFAULT true NOT NULL,
	`exam_id` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`created_by` text NOT NULL,
	`archived_at` text
);
--> statement-breakpoint
CREATE INDEX `steps_course_order` ON `steps` (`course_id`,`order_index`);--> statement-breakpoint
CREATE INDEX `steps_previous` ON `steps` (`previous_step_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `steps_exam_unique` ON `steps` (`exam_id`) WHERE "steps"."exam_id" IS NOT NULL AND "steps"."archived_at" IS NULL;