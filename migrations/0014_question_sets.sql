CREATE TABLE `question_sets` (
	`hash` text PRIMARY KEY NOT NULL,
	`items` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
ALTER TABLE `form_submissions` ADD `question_set` text;--> statement-breakpoint
CREATE INDEX `form_submissions_unmoved` ON `form_submissions` (`id`) WHERE question_set IS NULL AND questions_snapshot IS NOT NULL;