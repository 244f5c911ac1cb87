-- A scheduled sync lists everything once the latest complete full listing is SYNC_FULL_EVERY_HOURS old, and a
-- full listing that failed is tried again an hour later. This partial index holds only the full listings, so
-- both questions read a few rows however many incremental runs came since (on D1, every row read is billed).
CREATE INDEX `sync_runs_full_idx` ON `sync_runs` (`id`) WHERE mode = 'full';