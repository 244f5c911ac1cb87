CREATE TABLE `sync_delete_candidates` (
	`run_id` integer NOT NULL,
	`task_id` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sync_delete_candidates_run_idx` ON `sync_delete_candidates` (`run_id`,`task_id`);--> statement-breakpoint
CREATE TABLE `sync_errors` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`at` text NOT NULL,
	`kind` text NOT NULL,
	`message` text NOT NULL,
	`http_status` integer,
	`external_id` text,
	`raw_payload` text,
	`retryable` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sync_errors_run_idx` ON `sync_errors` (`run_id`,`id`);--> statement-breakpoint
CREATE TABLE `sync_lock` (
	`id` integer PRIMARY KEY NOT NULL,
	`holder_run_id` integer,
	`lease_expires_at` text,
	CONSTRAINT "sync_lock_holder_check" CHECK("sync_lock"."holder_run_id" is null or "sync_lock"."holder_run_id" >= 0)
);
--> statement-breakpoint
CREATE TABLE `sync_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`status` text NOT NULL,
	`trigger` text NOT NULL,
	`mode` text NOT NULL,
	`retry_of` integer,
	`started_at` text NOT NULL,
	`finished_at` text,
	`heartbeat_at` text NOT NULL,
	`cursor` text,
	`since` text,
	`high_water` text,
	`merge_from` text,
	`snapshot_complete` integer DEFAULT false NOT NULL,
	`pages` integer DEFAULT 0 NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`fetched` integer DEFAULT 0 NOT NULL,
	`created` integer DEFAULT 0 NOT NULL,
	`updated` integer DEFAULT 0 NOT NULL,
	`unchanged` integer DEFAULT 0 NOT NULL,
	`deleted` integer DEFAULT 0 NOT NULL,
	`skipped` integer DEFAULT 0 NOT NULL,
	`invalid` integer DEFAULT 0 NOT NULL,
	`message` text,
	`next_allowed_at` text,
	CONSTRAINT "sync_runs_status_check" CHECK("sync_runs"."status" in ('running', 'success', 'partial', 'failed', 'deferred', 'abandoned'))
);
--> statement-breakpoint
CREATE INDEX `sync_runs_status_idx` ON `sync_runs` (`status`,`id`);--> statement-breakpoint
CREATE TABLE `tasks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`external_id` text NOT NULL,
	`title` text NOT NULL,
	`status` text NOT NULL,
	`remote_updated_at` text NOT NULL,
	`content_hash` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`last_run_id` integer,
	`deleted_at` text,
	`deleted_by` text,
	CONSTRAINT "tasks_status_check" CHECK("tasks"."status" in ('todo', 'in_progress', 'done')),
	CONSTRAINT "tasks_deleted_by_check" CHECK("tasks"."deleted_by" is null or "tasks"."deleted_by" in ('user', 'upstream'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tasks_external_id_unique` ON `tasks` (`external_id`);--> statement-breakpoint
CREATE INDEX `tasks_live_updated_idx` ON `tasks` (`deleted_at`,`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `tasks_status_updated_idx` ON `tasks` (`status`,`deleted_at`,`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `tasks_title_idx` ON `tasks` (`title`,`id`);--> statement-breakpoint
CREATE INDEX `tasks_last_run_idx` ON `tasks` (`last_run_id`);