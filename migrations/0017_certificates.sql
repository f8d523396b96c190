-- Course-completion certificates (issue #28): one row per participant and course, written with the completion
-- milestone, signed on first read; status_lists are the W3C Bitstring Status Lists their revocation bits live in.
-- courses.certificate (JSON) says whether a course issues them. Only additions: no table holding data is rebuilt.
CREATE TABLE `certificates` (
	`id` text PRIMARY KEY NOT NULL,
	`participant_id` text NOT NULL,
	`course_id` text NOT NULL,
	`issued_at` text NOT NULL,
	`course_name` text NOT NULL,
	`course_description` text,
	`config` text NOT NULL,
	`recipient_name` text,
	`recipient_email_hash` text,
	`recipient_salt` text,
	`status_list_id` text,
	`status_index` integer,
	`kid` text,
	`credential_jwt` text,
	`signed_at` text,
	`revoked_at` text,
	`revoked_by` text,
	`revocation_reason` text,
	`erased_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `certificates_participant_course` ON `certificates` (`participant_id`,`course_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `certificates_status_entry` ON `certificates` (`status_list_id`,`status_index`) WHERE "certificates"."status_list_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `certificates_revoked_in_list` ON `certificates` (`status_list_id`,`status_index`) WHERE "certificates"."revoked_at" IS NOT NULL;--> statement-breakpoint
CREATE TABLE `status_lists` (
	`id` text PRIMARY KEY NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
ALTER TABLE `courses` ADD `certificate` text;