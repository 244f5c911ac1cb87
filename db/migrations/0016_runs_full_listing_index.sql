-- A scheduled sync lists everything once the latest complete full listing is SYNC_FULL_EVERY_HOURS old. This
-- partial index holds only those listings, so the question reads a few rows however many incremental runs
-- came since (on D1, every row read is billed).
CREATE INDEX `sync_runs_full_listing_idx` ON `sync_runs` (`id`) WHERE mode = 'full' and snapshot_complete = 1;