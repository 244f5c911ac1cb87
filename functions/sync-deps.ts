// Maps the app's dependencies and config onto the sync engine's, for routes and schedulers alike.
import type { Db } from "../db/client";
import { upstreamStateStore } from "../db/upstream-state";
import { heartbeatSeconds } from "./config";
import type { ResolvedDeps } from "./router";
import type { SyncDeps } from "./sync/engine";
import { retryFeed } from "./sync/live-retry";

export function syncDeps(deps: ResolvedDeps, db: Db): SyncDeps {
  const { config } = deps;
  const retries = retryFeed();
  return {
    db,
    upstream: deps.upstream({
      clock: deps.clock,
      sleep: deps.sleep,
      logger: deps.logger,
      state: upstreamStateStore(db, deps.clock),
      onRetry: (failure, waitMs, attempt) => retries.listener?.(failure, waitMs, attempt),
    }),
    retries,
    clock: deps.clock,
    logger: deps.logger,
    afterPage: deps.afterPage,
    settings: {
      leaseSeconds: config.SYNC_LEASE_SECONDS,
      heartbeatMs: heartbeatSeconds(config) * 1000,
      pageSize: config.SYNC_PAGE_SIZE,
      maxDeleteShare: config.SYNC_MAX_DELETE_SHARE,
      maxPages: config.SYNC_MAX_PAGES,
      maxConfirmations: config.SYNC_MAX_CONFIRMATIONS,
      fullEveryMs: config.SYNC_FULL_EVERY_HOURS * 3_600_000,
      watermarkOverlapMs: config.SYNC_WATERMARK_OVERLAP_SECONDS * 1000,
      errorRetentionDays: config.SYNC_ERROR_RETENTION_DAYS,
      runRetentionDays: config.SYNC_RUN_RETENTION_DAYS,
      commitRecords: config.SYNC_COMMIT_RECORDS,
      readAhead: config.SYNC_READ_AHEAD,
      slice: {
        pages: config.SYNC_SLICE_PAGES,
        statements: config.SYNC_SLICE_STATEMENTS,
        ms: config.SYNC_SLICE_SECONDS * 1000,
      },
    },
  };
}
