-- Erasing a participant erases every stored reply that carries their data, whoever made the request (a manager's
-- grade replayed by its Idempotency-Key would otherwise return the erased answers), and the webhook outbox rows
-- about them. Replies are found by the participant they are about (`subject_id`, the reply's `participant_id`),
-- outbox rows by their data's `participant_id`: both along an index.
ALTER TABLE `idempotency_keys` ADD `subject_id` text;--> statement-breakpoint
UPDATE `idempotency_keys` SET `subject_id` = json_extract(`response`, '$.participant_id')
WHERE `response` IS NOT NULL AND json_valid(`response`) AND json_type(`response`, '$.participant_id') = 'text';--> statement-breakpoint
CREATE INDEX `idempotency_keys_subject` ON `idempotency_keys` (`subject_id`);--> statement-breakpoint
CREATE INDEX `webhook_events_participant` ON `webhook_events` (json_extract(`data`, '$.participant_id'));
