ALTER TABLE `courses` ADD `structure_version` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- A course's structure version changes with every write that changes what a participant's progress is derived
-- from: the course row, its steps, their materials, the exams they link and the requirement tables shown.
-- Triggers run inside the writing statement, so no authoring path can forget the bump and the per-isolate
-- cache (src/progress/structure-cache.ts) can never serve a structure older than the version it reads.
CREATE TRIGGER `courses_structure_bump` AFTER UPDATE OF `name`, `description`, `image_url`, `previous_course_id`, `next_course_id`, `default_step_id`, `order_index`, `is_active`, `is_default`, `archived_at` ON `courses`
BEGIN
  UPDATE `courses` SET `structure_version` = `structure_version` + 1 WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `steps_structure_insert` AFTER INSERT ON `steps`
BEGIN
  UPDATE `courses` SET `structure_version` = `structure_version` + 1 WHERE `id` = NEW.`course_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `steps_structure_update` AFTER UPDATE ON `steps`
BEGIN
  UPDATE `courses` SET `structure_version` = `structure_version` + 1 WHERE `id` IN (NEW.`course_id`, OLD.`course_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `steps_structure_delete` AFTER DELETE ON `steps`
BEGIN
  UPDATE `courses` SET `structure_version` = `structure_version` + 1 WHERE `id` = OLD.`course_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `materials_structure_insert` AFTER INSERT ON `materials`
BEGIN
  UPDATE `courses` SET `structure_version` = `structure_version` + 1
  WHERE `id` = (SELECT `course_id` FROM `steps` WHERE `id` = NEW.`step_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `materials_structure_update` AFTER UPDATE ON `materials`
BEGIN
  UPDATE `courses` SET `structure_version` = `structure_version` + 1
  WHERE `id` IN (SELECT `course_id` FROM `steps` WHERE `id` IN (NEW.`step_id`, OLD.`step_id`));
END;
--> statement-breakpoint
CREATE TRIGGER `materials_structure_delete` AFTER DELETE ON `materials`
BEGIN
  UPDATE `courses` SET `structure_version` = `structure_version` + 1
  WHERE `id` = (SELECT `course_id` FROM `steps` WHERE `id` = OLD.`step_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `forms_structure_update` AFTER UPDATE ON `forms`
BEGIN
  UPDATE `courses` SET `structure_version` = `structure_version` + 1
  WHERE `id` IN (SELECT `course_id` FROM `steps` WHERE `exam_id` = NEW.`id`);
END;
--> statement-breakpoint
CREATE TRIGGER `forms_structure_delete` AFTER DELETE ON `forms`
BEGIN
  UPDATE `courses` SET `structure_version` = `structure_version` + 1
  WHERE `id` IN (SELECT `course_id` FROM `steps` WHERE `exam_id` = OLD.`id`);
END;
--> statement-breakpoint
CREATE TRIGGER `requirement_tables_structure_update` AFTER UPDATE ON `requirement_tables`
BEGIN
  UPDATE `courses` SET `structure_version` = `structure_version` + 1
  WHERE `id` IN (SELECT s.`course_id` FROM `materials` m JOIN `steps` s ON s.`id` = m.`step_id` WHERE m.`requirement_table_id` = NEW.`id`);
END;
--> statement-breakpoint
CREATE TRIGGER `requirement_tables_structure_delete` AFTER DELETE ON `requirement_tables`
BEGIN
  UPDATE `courses` SET `structure_version` = `structure_version` + 1
  WHERE `id` IN (SELECT s.`course_id` FROM `materials` m JOIN `steps` s ON s.`id` = m.`step_id` WHERE m.`requirement_table_id` = OLD.`id`);
END;
