-- Run retention (SYNC_RUN_RETENTION_DAYS) deletes the runs that finished before a cut-off when each run ends:
-- this index finds them without reading every run (on D1, every row read is billed).
CREATE INDEX `sync_runs_finished_idx` ON `sync_runs` (`finished_at`);