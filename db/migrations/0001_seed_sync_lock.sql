-- The sync lease is one row that every run competes for with a conditional statement.
INSERT INTO `sync_lock` (`id`, `holder_run_id`, `lease_expires_at`) VALUES (1, NULL, NULL);
