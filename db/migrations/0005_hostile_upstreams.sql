CREATE TABLE `sync_seen` (
	`run_id` integer NOT NULL,
	`task_id` integer NOT NULL,
	PRIMARY KEY(`run_id`, `task_id`)
);
--> statement-breakpoint
ALTER TABLE `sync_errors` ADD `fingerprint` text;--> statement-breakpoint
CREATE UNIQUE INDEX `sync_errors_fingerprint_idx` ON `sync_errors` (`fingerprint`) WHERE fingerprint is not null;--> statement-breakpoint
CREATE INDEX `sync_errors_at_idx` ON `sync_errors` (`at`);--> statement-breakpoint
ALTER TABLE `sync_runs` ADD `listing_id` integer;--> statement-breakpoint
ALTER TABLE `sync_runs` ADD `base_task_id` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `sync_runs` ADD `base_active` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `sync_runs` ADD `ignored` integer DEFAULT 0 NOT NULL;