-- Every write to tasks moves tasks_version, so cached list pages know when they are stale.
INSERT INTO `tasks_version` (`id`, `version`) VALUES (1, 0);
--> statement-breakpoint
CREATE TRIGGER `tasks_version_on_insert` AFTER INSERT ON `tasks`
BEGIN
  UPDATE `tasks_version` SET `version` = `version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `tasks_version_on_update` AFTER UPDATE ON `tasks`
BEGIN
  UPDATE `tasks_version` SET `version` = `version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `tasks_version_on_delete` AFTER DELETE ON `tasks`
BEGIN
  UPDATE `tasks_version` SET `version` = `version` + 1 WHERE `id` = 1;
END;
