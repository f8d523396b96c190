DROP INDEX `courses_order`;--> statement-breakpoint
CREATE INDEX `courses_by_order` ON `courses` (`order_index`,`id`);