CREATE INDEX `tasks_updated_idx` ON `tasks` (`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `tasks_live_title_idx` ON `tasks` (`deleted_at`,`title`,`id`);--> statement-breakpoint
CREATE INDEX `tasks_status_title_idx` ON `tasks` (`status`,`deleted_at`,`title`,`id`);--> statement-breakpoint
CREATE INDEX `tasks_live_external_idx` ON `tasks` (`deleted_at`,`external_id`);--> statement-breakpoint
CREATE INDEX `tasks_deleted_updated_idx` ON `tasks` (`updated_at`,`id`) WHERE deleted_at is not null;--> statement-breakpoint
CREATE INDEX `tasks_deleted_title_idx` ON `tasks` (`title`,`id`) WHERE deleted_at is not null;--> statement-breakpoint
CREATE INDEX `tasks_deleted_external_idx` ON `tasks` (`external_id`) WHERE deleted_at is not null;