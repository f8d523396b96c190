-- 0008's triggers refuse UPDATE and DELETE on audit_events, but `INSERT OR REPLACE` with an existing id deletes
-- the old row without firing DELETE triggers (recursive_triggers is off): an insert may never name an id that
-- is already there, so no statement of any kind can rewrite an event.
CREATE TRIGGER `audit_events_no_replace` BEFORE INSERT ON `audit_events`
WHEN EXISTS (SELECT 1 FROM `audit_events` WHERE `id` = NEW.`id`)
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
