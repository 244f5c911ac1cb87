DROP TABLE `tasks_version`;--> statement-breakpoint
DROP INDEX `tasks_live_updated_idx`;--> statement-breakpoint
DROP INDEX `tasks_last_run_idx`;--> statement-breakpoint
DROP INDEX `tasks_live_title_idx`;--> statement-breakpoint
DROP INDEX `tasks_status_title_idx`;--> statement-breakpoint
DROP INDEX `tasks_live_external_idx`;--> statement-breakpoint
DROP INDEX `tasks_status_updated_idx`;--> statement-breakpoint
DROP INDEX `tasks_title_idx`;--> statement-breakpoint
DROP INDEX `tasks_updated_idx`;--> statement-breakpoint
DROP INDEX `tasks_deleted_updated_idx`;--> statement-breakpoint
DROP INDEX `tasks_deleted_title_idx`;--> statement-breakpoint
CREATE INDEX `tasks_status_updated_idx` ON `tasks` (`status`,`updated_at`,`id`,`deleted_at`,`title`);--> statement-breakpoint
CREATE INDEX `tasks_title_idx` ON `tasks` (`title`);--> statement-breakpoint
CREATE INDEX `tasks_updated_idx` ON `tasks` (`updated_at`,`id`,`deleted_at`,`status`,`title`);--> statement-breakpoint
CREATE INDEX `tasks_deleted_updated_idx` ON `tasks` (`updated_at`) WHERE deleted_at is not null;--> statement-breakpoint
CREATE INDEX `tasks_deleted_title_idx` ON `tasks` (`title`) WHERE deleted_at is not null;