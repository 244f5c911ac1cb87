// Maps the app's dependencies and config onto the sync engine's, for routes and schedulers alike.
import type { Db } from "../db/client";
import { MAX_PARAMS } from "../db/task-sync";
import type { ResolvedDeps } from "./router";
import type { SyncDeps } from "./sync/engine";
import { DEFAULT_RETRY } from "./sync/upstream-client";

export function syncDeps(deps: ResolvedDeps, db: Db): SyncDeps {
  const { config } = deps;
  return {
    db,
    upstream: deps.upstream,
    clock: deps.clock,
    sleep: deps.sleep,
    logger: deps.logger,
    afterPage: deps.afterPage,
    settings: {
      leaseSeconds: config.SYNC_LEASE_SECONDS,
      pageSize: config.SYNC_PAGE_SIZE,
      maxDeleteShare: config.SYNC_MAX_DELETE_SHARE,
      maxParams: MAX_PARAMS[deps.dbKind],
      retry: {
        ...DEFAULT_RETRY,
        timeoutMs: config.UPSTREAM_TIMEOUT_MS,
        maxRetryWaitMs: config.SYNC_MAX_RETRY_WAIT_SECONDS * 1000,
      },
    },
  };
}
