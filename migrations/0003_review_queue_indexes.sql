DROP INDEX `form_submissions_open_deadline`;--> statement-breakpoint
CREATE INDEX `form_submissions_open_by_deadline` ON `form_submissions` (`deadline_at`) WHERE "form_submissions"."submission_status" = 'InProgress';--> statement-breakpoint
CREATE INDEX `form_submissions_pending` ON `form_submissions` (`submitted_at`,`id`) WHERE "form_submissions"."submission_status" IN ('Submitted', 'UnderReview');--> statement-breakpoint
CREATE INDEX `form_submissions_pending_course` ON `form_submissions` (`course_id`,`submitted_at`,`id`) WHERE "form_submissions"."submission_status" IN ('Submitted', 'UnderReview');--> statement-breakpoint
CREATE INDEX `form_submissions_pending_step` ON `form_submissions` (`step_id`,`submitted_at`,`id`) WHERE "form_submissions"."submission_status" IN ('Submitted', 'UnderReview');--> statement-breakpoint
CREATE INDEX `form_submissions_participant_started` ON `form_submissions` (`participant_id`,`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `requirement_submissions_pending` ON `requirement_submissions` (`submitted_at`,`id`) WHERE "requirement_submissions"."submitted_at" IS NOT NULL AND "requirement_submissions"."approved_at" IS NULL;--> statement-breakpoint
CREATE INDEX `steps_exam` ON `steps` (`exam_id`);