-- The title search index, rebuilt without contentless_delete: with it, every title change or deletion wrote a
-- tombstone into the hash pages of whichever segments held the row (measured: 1,000 changed titles cost ~100 ms
-- of index work, against ~45 ms this way). A contentless index can still forget a row exactly: its 'delete'
-- command replays the text the row was indexed with, which the triggers have (old.title, as it was written by
-- the insert or the last title change). columnsize=0: nothing reads per-row token counts (there is no ranking).
DROP TRIGGER IF EXISTS `tasks_title_fts_on_insert`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `tasks_title_fts_on_update`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `tasks_title_fts_on_delete`;
--> statement-breakpoint
DROP TABLE IF EXISTS `tasks_title_fts`;
--> statement-breakpoint
CREATE VIRTUAL TABLE `tasks_title_fts` USING fts5(
  title, content='', columnsize=0, detail=none, tokenize='trigram'
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
  INSERT INTO `tasks_title_fts` (`tasks_title_fts`, rowid, title) VALUES ('delete', old.`id`, old.`title`);
  INSERT INTO `tasks_title_fts` (rowid, title) VALUES (new.`id`, new.`title`);
END;
--> statement-breakpoint
CREATE TRIGGER `tasks_title_fts_on_delete` AFTER DELETE ON `tasks`
BEGIN
  INSERT INTO `tasks_title_fts` (`tasks_title_fts`, rowid, title) VALUES ('delete', old.`id`, old.`title`);
END;
