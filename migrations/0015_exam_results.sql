CREATE TABLE `exam_results` (
	`form_id` text PRIMARY KEY NOT NULL,
	`version` integer DEFAULT 0 NOT NULL,
	`analytics_version` integer,
	`analytics` text
);
