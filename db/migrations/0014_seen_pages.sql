-- A listing's seen tasks, one row per page (a JSON array of task ids) instead of one row per task: a 100,000-task
-- full sync wrote, then deleted, 100,000 rows here (each billed on D1). A listing in progress keeps its marks,
-- regrouped 5,000 ids a row (a row stays far under D1's 2 MB value limit whatever the listing's size).
CREATE TABLE `__new_sync_seen` (
	`run_id` integer NOT NULL,
	`task_ids` text NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_sync_seen`("run_id", "task_ids")
  SELECT "run_id", json_group_array("task_id") FROM `sync_seen` GROUP BY "run_id", "task_id" / 5000;--> statement-breakpoint
DROP TABLE `sync_seen`;--> statement-breakpoint
ALTER TABLE `__new_sync_seen` RENAME TO `sync_seen`;--> statement-breakpoint
CREATE INDEX `sync_seen_run_idx` ON `sync_seen` (`run_id`);
