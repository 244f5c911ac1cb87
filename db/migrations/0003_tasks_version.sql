CREATE TABLE `tasks_version` (
	`id` integer PRIMARY KEY NOT NULL,
	`version` integer NOT NULL,
	CONSTRAINT "tasks_version_single_row" CHECK("tasks_version"."id" = 1)
);
