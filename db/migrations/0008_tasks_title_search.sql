-- The list no longer keeps a page cache, so the version row and the three triggers that moved it on every
-- write to tasks go (the generated migration after this one drops the table).
DROP TRIGGER IF EXISTS `tasks_version_on_insert`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `tasks_version_on_update`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `tasks_version_on_delete`;
--> statement-breakpoint
-- Title search: a trigram index finds the candidate rows for a substring of 3 or more characters; the query
-- re-checks each candidate against the title itself, so the index only has to hold a superset. That is why it
-- stores no text (contentless) and no positions (detail=none): the smallest trigram index there is, and the
-- cheapest for the sync to keep up. contentless_delete lets the triggers below remove a row by its id.
CREATE VIRTUAL TABLE `tasks_title_fts` USING fts5(
  title, content='', contentless_delete=1, detail=none, tokenize='trigram'
);
--> statement-breakpoint
INSERT INTO `tasks_title_fts` (rowid, title) SELECT `id`, `title` FROM `tasks`;
--> statement-breakpoint
CREATE TRIGGER `tasks_title_fts_on_insert` AFTER INSERT ON `tasks`
BEGIN
  INSERT INTO `tasks_title_fts` (rowid, title) VALUES (new.`id`, new.`title`);
END;
--> statement-breakpoint
-- Only a changed title touches the index (a status change or a soft delete does not).
CREATE TRIGGER `tasks_title_fts_on_update` AFTER UPDATE OF `title` ON `tasks`
WHEN old.`title` IS NOT new.`title`
BEGIN
  DELETE FROM `tasks_title_fts` WHERE rowid = old.`id`;
  INSERT INTO `tasks_title_fts` (rowid, title) VALUES (new.`id`, new.`title`);
END;
--> statement-breakpoint
CREATE TRIGGER `tasks_title_fts_on_delete` AFTER DELETE ON `tasks`
BEGIN
  DELETE FROM `tasks_title_fts` WHERE rowid = old.`id`;
END;
