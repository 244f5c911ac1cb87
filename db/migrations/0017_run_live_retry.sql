-- A running run's retry in progress (why the last attempt failed, when it tries next), shown by the status while
-- the engine retries a request; null otherwise. Progress only: the run's counts are written as before.
ALTER TABLE `sync_runs` ADD `live_retry` text;
