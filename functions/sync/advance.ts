// One slice of a run: continue from its checkpoint, page by page, until the listing ends or the slice's budget
// (pages, statements, time) is spent. Every slice reads the run's state from the database, so a slice can run
// in another invocation (a Workflow step) or be replayed after it committed without counting anything twice.
import { hasCandidates } from "../../db/absence";
import { isLeaseLost, renewLease, stillHolds } from "../../db/lease";
import type { SyncRun } from "../../db/schema";
import { getRun, liveRetryStatement, runCounts, runDurationMs } from "../../db/sync-runs";
import { UpstreamDeferred } from "../upstreams/adapter";
import { concludeInterrupted, concludeListing, waitForUpstream } from "./conclude";
import type { RunContext, SyncDeps } from "./context";
import { iso, leaseUntil } from "./context";
import { CursorGuard, parseTrail } from "./cursor-guard";
import { startHeartbeat } from "./heartbeat";
import { LiveRetries } from "./live-retry";
import { pageIds, planStoredPage } from "./page";
import { pageReader } from "./read-ahead";
import { listingWatermark } from "./watermark";
import { CommitPipeline } from "./write-behind";

export type SliceBudget = {
  pages: number;
  /** Database statements (each statement of a batch counts, as D1 counts them per invocation). */
  statements: number;
  ms: number;
};

export type SliceOutcome = {
  /** The run reached a final state (or is no longer ours to advance). */
  ended: boolean;
  /** The run waits for upstream's rate limit until then, lease held (only when `maxWaitMs` allows). */
  waitUntil: string | null;
  pages: number;
  statements: number;
};

export type SliceOptions = {
  /** A rate limit shorter than this is waited out by the caller (a Workflow's step.sleep), not ended `deferred`. */
  maxWaitMs?: number;
};

/** Statements the end of a listing takes (count, guard, final batch); kept in reserve by every slice. */
const CONCLUDE_STATEMENTS = 20;

/** The reason a run's work is aborted when its heartbeat finds another run holds the lease. */
export class LeaseLost extends Error {
  override readonly name = "LeaseLost";
}

export function newContext(deps: SyncDeps, run: SyncRun, signal: AbortSignal): RunContext {
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
    // While a run is going, its message holds the note it started with (e.g. "ran as a full sync").
    notes: run.message ? [run.message] : [],
    highWater: run.highWater,
    cursorTrail: run.cursorTrail,
    pendingAttempts: 0,
    retried: [],
    answers: [],
    committedPages: 0,
    statements: 0,
    tombstoned: new Set(),
    earlierTombstones: false,
    tombstones: 0,
    previous: new Map(),
    continues: run.pages > 0,
  };
}

/** Pages until the listing ends (true) or the budget would be exceeded by another page (false). */
async function listPages(ctx: RunContext, budget: SliceBudget, startedAt: number): Promise<boolean> {
  const { upstream, settings, clock, afterPage } = ctx.deps;
  const reader = pageReader(
    (req) => upstream.fetchPage(req),
    { limit: settings.pageSize, updatedSince: ctx.run.since },
    ctx.signal,
  );
  const guard = new CursorGuard(settings.maxPages, ctx.run.pages, parseTrail(ctx.run.cursorTrail));
  // Reading ahead and writing behind go together: both let upstream, our code and the database overlap.
  const commits = new CommitPipeline(ctx, settings.readAhead, async () => {
    await afterPage?.(ctx.run.id, ctx.run.pages + ctx.committedPages);
  });
  let cursor = ctx.run.cursor;
  /** Statements the latest page took (its read and its writes): what the next one is expected to take. */
  let pageCost = 0;
  const pagesTaken = () => ctx.committedPages + commits.pages;
  // Whether `more` further pages fit in the slice's page and statement budgets.
  const fits = (more: number) =>
    pagesTaken() + more <= budget.pages &&
    ctx.statements + commits.statements + pageCost * more + CONCLUDE_STATEMENTS <= budget.statements;
  /** The next page, checked by the cursor guard; a failure first commits the pages already planned. */
  const readPage = async () => {
    try {
      const requestedAt = clock();
      const page = await commits.whileWaiting(reader.read(cursor));
      ctx.pendingAttempts += page.attempts;
      for (const f of page.retried) ctx.retried.push({ ...f, retryable: true });
      guard.check(cursor, page);
      ctx.cursorTrail = guard.trail;
      ctx.highWater ??= listingWatermark(page.upstreamNow, requestedAt);
      return page;
    } catch (err) {
      reader.cancel();
      await commits.flush();
      throw err;
    }
  };
  try {
    for (;;) {
      const spent = !fits(1) || clock().getTime() - startedAt >= budget.ms;
      if (pagesTaken() > 0 && spent) {
        await commits.flush();
        return false;
      }
      const page = await readPage();
      if (settings.readAhead && page.nextCursor !== null && fits(2)) reader.readAhead(page.nextCursor);
      const ids = pageIds(page);
      await commits.makeRoomFor(ids);
      const before = ctx.statements;
      const planned = await planStoredPage(ctx, page, ids);
      commits.add(planned);
      pageCost = ctx.statements - before + planned.statements.length;
      if (page.nextCursor === null) {
        await commits.flush();
        return true;
      }
      if (commits.shouldCommit(settings.commitRecords)) await commits.commit();
      cursor = page.nextCursor;
    }
  } finally {
    reader.cancel();
    // Only after a failure is anything left: nothing may still be written once the slice is over.
    await commits.abandon();
  }
}

/** Advances run `runId` by one slice and says whether it ended. */
export async function advanceRun(
  deps: SyncDeps,
  runId: number,
  budget: SliceBudget,
  options: SliceOptions = {},
): Promise<SliceOutcome> {
  const run = await getRun(deps.db, runId);
  const outcome = (ended: boolean, waitUntil: string | null = null): SliceOutcome => ({
    ended,
    waitUntil,
    pages: ctx.committedPages,
    statements: ctx.statements + 1,
  });
  const controller = new AbortController();
  if (run?.status !== "running") return { ended: true, waitUntil: null, pages: 0, statements: 1 };
  // The run's retry in progress, shown while the adapter waits to try a request again (live-retry.ts).
  const live = new LiveRetries({
    clock: deps.clock,
    write: async (value) => {
      ctx.statements++;
      await liveRetryStatement(deps.db, run.id, value);
    },
    onError: (err) => deps.logger.warn("retry progress not written", { run_id: run.id, error: String(err) }),
    shown: run.liveRetry,
  });
  const ctx = newContext(
    { ...deps, upstream: live.track(deps.upstream, run.pages + 1) },
    run,
    controller.signal,
  );
  const feed = deps.retries;
  const outer = feed?.listener ?? null;
  if (feed) feed.listener = live.retrying;
  let result: [ended: boolean, waitUntil: string | null];
  try {
    result = await sliceOf(ctx, budget, options, controller, live);
  } finally {
    if (feed?.listener === live.retrying) feed.listener = outer;
    // Nothing is written once the slice is over, and what was is counted in its statements.
    await live.stop();
  }
  return outcome(...result);
}

/** The slice itself: says whether the run ended, and until when it waits for upstream's rate limit. */
async function sliceOf(
  ctx: RunContext,
  budget: SliceBudget,
  options: SliceOptions,
  controller: AbortController,
  live: LiveRetries,
): Promise<[ended: boolean, waitUntil: string | null]> {
  const { deps, run } = ctx;
  // A listing continued from a checkpoint may have queued tombstones this process never saw.
  if (run.cursor !== null) {
    ctx.earlierTombstones = await hasCandidates(deps.db, ctx.scope.listingId);
    ctx.statements++;
  }
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
    // A listing whose last page is committed has only its end left (an earlier slice stopped there to wait out a
    // rate limit while confirming deletions): listing again from its checkpoint would start it over.
    const listed = run.snapshotComplete || (await listPages(ctx, budget, deps.clock().getTime()));
    if (!listed) return [false, null];
    await concludeListing(ctx);
    await logFinished(deps, run.id);
    return [true, null];
  } catch (err) {
    if (isLeaseLost(err) || controller.signal.reason instanceof LeaseLost) {
      // Either another run took the lease over (ours expired; it marked this run abandoned), or this slice was
      // a replay whose checkpoint had already moved: then the next slice continues from the committed state.
      if (await stillHolds(deps.db, run.id)) return [false, null];
      deps.logger.warn("sync lost its lease", { run_id: run.id });
      return [true, null];
    }
    const waitMs =
      err instanceof UpstreamDeferred ? Date.parse(err.nextAllowedAt) - deps.clock().getTime() : 0;
    // Only a caller that can sleep without holding a process (a Workflow) waits; the in-process driver ends the
    // run `deferred` and the cron resumes it.
    const maxWaitMs = options.maxWaitMs ?? 0;
    if (err instanceof UpstreamDeferred && maxWaitMs > 0 && waitMs <= maxWaitMs) {
      await waitForUpstream(ctx, err, live.waiting(err.failure, err.nextAllowedAt, err.attempts));
      return [false, err.nextAllowedAt];
    }
    try {
      await concludeInterrupted(ctx, err);
      await logFinished(deps, run.id);
    } catch (final) {
      if (!isLeaseLost(final)) throw final;
      deps.logger.warn("sync lost its lease", { run_id: run.id });
    }
    return [true, null];
  } finally {
    heartbeat.stop();
  }
}

async function logFinished(deps: SyncDeps, runId: number) {
  const run = (await getRun(deps.db, runId))!;
  deps.logger.info("sync finished", {
    run_id: run.id,
    status: run.status,
    pages: run.pages,
    attempts: run.attempts,
    ...runCounts(run),
    ms: runDurationMs(run),
    message: run.message,
  });
}
