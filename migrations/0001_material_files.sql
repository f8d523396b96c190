ALTER TABLE `materials` ADD `file_key` text;--> statement-breakpoint
ALTER TABLE `materials` ADD `file_size` integer;--> statement-breakpoint
ALTER TABLE `materials` ADD `file_content_type` text;--> statement-breakpoint
ALTER TABLE `materials` ADD `file_sha256` text;--> statement-breakpoint
ALTER TABLE `materials` ADD `file_uploaded_at` text;