-- Reports walk a course's enrolments by participant and a form's attempts by id (keyset pages). Each new index
-- starts with the column of the one it replaces, so every read of the old one is served; created before the old is
-- dropped, so no moment of the migration is without one.
CREATE INDEX `enrollments_course_participant` ON `enrollments` (`course_id`,`participant_id`);--> statement-breakpoint
DROP INDEX `enrollments_course`;--> statement-breakpoint
CREATE INDEX `form_submissions_form_id` ON `form_submissions` (`form_id`,`id`);--> statement-breakpoint
DROP INDEX `form_submissions_form`;
