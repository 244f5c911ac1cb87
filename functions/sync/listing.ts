// Drives a run's listing page by page under a heartbeat, then concludes it; the only place that knows the order.
import { isLeaseLost, renewLease } from "../../db/lease";
import type { SyncRun } from "../../db/schema";
import { concludeInterrupted, concludeListing } from "./conclude";
import { iso, leaseUntil, type RunContext, type SyncDeps } from "./context";
import { CursorGuard } from "./cursor-guard";
import { startHeartbeat } from "./heartbeat";
import { commitPage } from "./page";
import { listingWatermark } from "./watermark";

/** The reason a run's work is aborted when its heartbeat finds another run holds the lease. */
export class LeaseLost extends Error {
  override readonly name = "LeaseLost";
}

export function newContext(
  deps: SyncDeps,
  run: SyncRun,
  note: string | null,
  signal: AbortSignal,
): RunContext {
  return {
    deps,
    run,
    scope: {
      runId: run.id,
      listingId: run.listingId ?? run.id,
      baseTaskId: run.baseTaskId,
      absence: run.mode === "full",
    },
    signal,
    notes: note ? [note] : [],
    highWater: run.highWater,
    pendingAttempts: 0,
    retried: [],
    committedPages: 0,
    tombstoned: new Set(),
    tombstones: 0,
    previous: new Map(),
  };
}

async function listPages(ctx: RunContext): Promise<void> {
  const { upstream, settings, clock, afterPage } = ctx.deps;
  let cursor = ctx.run.cursor;
  const guard = new CursorGuard(settings.maxPages, ctx.run.pages, cursor);
  for (;;) {
    const requestedAt = clock();
    const page = await upstream.fetchPage({
      cursor,
      limit: settings.pageSize,
      updatedSince: ctx.run.since,
      signal: ctx.signal,
    });
    ctx.pendingAttempts += page.attempts;
    for (const f of page.retried) ctx.retried.push({ ...f, retryable: true });
    guard.check(page);
    ctx.highWater ??= listingWatermark(page.upstreamNow, requestedAt);
    await commitPage(ctx, page);
    await afterPage?.(ctx.run.id, ctx.committedPages);
    if (page.nextCursor === null) return;
    cursor = page.nextCursor;
  }
}

/** Lists from the run's checkpoint to the end (or to a failure) and ends the run truthfully. */
export async function driveListing(deps: SyncDeps, run: SyncRun, note: string | null): Promise<void> {
  const controller = new AbortController();
  const ctx = newContext(deps, run, note, controller.signal);
  const heartbeat = startHeartbeat({
    intervalMs: deps.settings.heartbeatMs,
    beat: async () => {
      const now = deps.clock();
      await renewLease(deps.db, run.id, iso(now), leaseUntil(ctx, now));
    },
    isLost: isLeaseLost,
    onLost: () => controller.abort(new LeaseLost(`run ${run.id} lost its lease`)),
    onError: (err) => deps.logger.warn("heartbeat failed", { run_id: run.id, error: String(err) }),
  });
  try {
    await listPages(ctx);
    await concludeListing(ctx);
  } catch (err) {
    if (isLeaseLost(err) || controller.signal.reason instanceof LeaseLost) {
      // Another run took the lease over (ours expired); it has marked this run abandoned. Write nothing more.
      deps.logger.warn("sync lost its lease", { run_id: run.id });
      return;
    }
    try {
      await concludeInterrupted(ctx, err);
    } catch (final) {
      if (!isLeaseLost(final)) throw final;
      deps.logger.warn("sync lost its lease", { run_id: run.id });
    }
  } finally {
    heartbeat.stop();
  }
}
