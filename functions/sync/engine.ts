// The sync engine: takes the lease, walks upstream pages, commits each page atomically, and ends every run
// in a truthful state. It knows no Hono: a route, a cron or a test calls it with a db, an upstream and a clock.
import type { Db } from "../../db/client";
import type { RunTrigger, SyncMode, SyncRun } from "../../db/schema";
import {
  acquireLease,
  checkpointStatement,
  countDeleteCandidates,
  errorStatements,
  finishRun,
  getRun,
  isLeaseLost,
  lastHighWater,
  latestRun,
  type NewError,
  type PageCounts,
  renewLease,
  renewLeaseStatement,
} from "../../db/sync-runs";
import {
  activeTaskCount,
  deleteCandidateStatements,
  liveTasksInRange,
  loadByExternalIds,
  markDeletedStatements,
  upsertStatements,
} from "../../db/task-sync";
import type { Logger } from "../logger";
import { compareIds, planPage } from "./plan-page";
import {
  type AttemptFailure,
  fetchPage,
  type RetryPolicy,
  type Upstream,
  UpstreamDeferred,
  UpstreamError,
} from "./upstream-client";

export type SyncSettings = {
  leaseSeconds: number;
  pageSize: number;
  maxDeleteShare: number;
  /** Bound parameters per statement: 100 on D1. */
  maxParams: number;
  retry: RetryPolicy;
};

export type SyncDeps = {
  db: Db;
  upstream: Upstream;
  clock: () => Date;
  sleep: (ms: number) => Promise<void>;
  logger: Logger;
  settings: SyncSettings;
  random?: () => number;
  /** Test seam: runs after each committed page (a throw here is a crash between two pages). */
  afterPage?: (runId: number, page: number) => void | Promise<void>;
};

export type SyncOutcome =
  | { kind: "finished"; run: SyncRun }
  | { kind: "busy"; running: SyncRun | undefined }
  | { kind: "not_found" }
  | { kind: "not_retryable"; run: SyncRun };

export const RETRYABLE_STATUSES = ["failed", "partial", "deferred", "abandoned"] as const;

const iso = (d: Date) => d.toISOString();

/** Starts a run (`manual` defaults to full, `schedule` to incremental) and drives it to its end. */
export async function runSync(
  deps: SyncDeps,
  req: { trigger: RunTrigger; mode?: SyncMode },
): Promise<SyncOutcome> {
  let mode: SyncMode = req.mode ?? (req.trigger === "schedule" ? "incremental" : "full");
  let since: string | null = null;
  let note: string | null = null;
  if (mode === "incremental") {
    since = await lastHighWater(deps.db);
    if (since === null) {
      mode = "full";
      note = "No earlier complete listing to continue from, so this incremental request ran as a full sync.";
    }
  }
  return start(deps, { trigger: req.trigger, mode, since }, note);
}

/** Retries a run that did not succeed: resumes at its checkpoint when its listing was cut short. */
export async function retrySync(deps: SyncDeps, runId: number): Promise<SyncOutcome> {
  const prior = await getRun(deps.db, runId);
  if (!prior) return { kind: "not_found" };
  if (!(RETRYABLE_STATUSES as readonly string[]).includes(prior.status))
    return { kind: "not_retryable", run: prior };
  const resume = !prior.snapshotComplete && prior.cursor !== null;
  return start(
    deps,
    {
      trigger: "retry",
      mode: prior.mode,
      since: prior.since,
      retryOf: prior.id,
      cursor: resume ? prior.cursor : null,
      highWater: resume ? prior.highWater : null,
      mergeFrom: resume ? prior.mergeFrom : null,
    },
    resume ? `Resumed run ${prior.id} from its checkpoint after page ${prior.pages}.` : null,
  );
}

type StartSpec = {
  trigger: RunTrigger;
  mode: SyncMode;
  since: string | null;
  retryOf?: number;
  cursor?: string | null;
  highWater?: string | null;
  mergeFrom?: string | null;
};

async function start(deps: SyncDeps, spec: StartSpec, note: string | null): Promise<SyncOutcome> {
  const now = deps.clock();
  const acquired = await acquireLease(deps.db, {
    ...spec,
    now: iso(now),
    leaseExpiresAt: iso(new Date(now.getTime() + deps.settings.leaseSeconds * 1000)),
  });
  if (!acquired.acquired) return { kind: "busy", running: acquired.running };
  const run = acquired.run;
  deps.logger.info("sync started", {
    run_id: run.id,
    trigger: run.trigger,
    mode: run.mode,
    since: run.since,
    retry_of: run.retryOf,
  });
  await execute(deps, run, note);
  const finished = (await getRun(deps.db, run.id))!;
  deps.logger.info("sync finished", {
    run_id: finished.id,
    status: finished.status,
    pages: finished.pages,
    attempts: finished.attempts,
    fetched: finished.fetched,
    created: finished.created,
    updated: finished.updated,
    unchanged: finished.unchanged,
    deleted: finished.deleted,
    skipped: finished.skipped,
    invalid: finished.invalid,
    ms: finished.finishedAt ? Date.parse(finished.finishedAt) - Date.parse(finished.startedAt) : null,
    message: finished.message,
  });
  return { kind: "finished", run: finished };
}

function summary(run: PageCounts & { pages: number }) {
  return `${run.fetched} records in ${run.pages} page${run.pages === 1 ? "" : "s"}: ${run.created} created, ${run.updated} updated, ${run.unchanged} unchanged, ${run.deleted} deleted, ${run.skipped} skipped, ${run.invalid} invalid.`;
}

async function execute(deps: SyncDeps, run: SyncRun, note: string | null) {
  const { db, settings } = deps;
  const leaseUntil = (d: Date) => iso(new Date(d.getTime() + settings.leaseSeconds * 1000));
  const resumed = run.cursor !== null;
  // Deletions need one uninterrupted full listing; a resumed listing spans two upstream versions.
  let snapshotTrusted = run.mode === "full" && !resumed;
  const notes: string[] = note ? [note] : [];
  let cursor = run.cursor;
  let highWater = run.highWater;
  let mergeFrom = run.mergeFrom;
  let previousIds: ReadonlySet<string> = new Set();
  let committedPages = 0;
  let pendingAttempts = 0;
  const retried: NewError[] = [];

  const client = {
    upstream: deps.upstream,
    policy: settings.retry,
    clock: deps.clock,
    sleep: deps.sleep,
    random: deps.random,
    onRetry: async (failure: AttemptFailure, waitMs: number, attempt: number) => {
      deps.logger.warn("upstream request retried", {
        run_id: run.id,
        kind: failure.kind,
        http_status: failure.httpStatus,
        attempt,
        wait_ms: waitMs,
        message: failure.message,
      });
      const now = deps.clock();
      await renewLease(db, run.id, iso(now), leaseUntil(now));
    },
  };

  const finish = async (
    status: "success" | "partial" | "failed" | "deferred",
    message: string,
    extra: { errors?: NewError[]; nextAllowedAt?: string; applyDeletions?: boolean } = {},
  ) => {
    await finishRun(db, {
      runId: run.id,
      now: iso(deps.clock()),
      status,
      message,
      nextAllowedAt: extra.nextAllowedAt,
      attempts: pendingAttempts,
      errors: [...retried.splice(0), ...(extra.errors ?? [])],
      applyDeletions: extra.applyDeletions ?? false,
    });
  };

  try {
    for (;;) {
      const page = await fetchPage(client, { cursor, limit: settings.pageSize, updatedSince: run.since });
      pendingAttempts += page.attempts;
      for (const f of page.retried) retried.push({ ...f, retryable: true });
      const now = deps.clock();
      const nowIso = iso(now);

      const ids = [...new Set([...page.live, ...page.tombstones].map((r) => r.id))];
      const stored = await loadByExternalIds(db, ids, settings.maxParams);
      const plan = planPage({ page, stored, previousPageIds: previousIds, runId: run.id, now: nowIso });

      // Full mode: stored live tasks in this page's id range that the page did not list are deletion candidates.
      let candidates: number[] = [];
      const sortedIds = [...plan.ids].sort(compareIds);
      if (snapshotTrusted && sortedIds.length > 0) {
        const first = sortedIds[0]!;
        const last = sortedIds[sortedIds.length - 1]!;
        if (mergeFrom !== null && compareIds(first, mergeFrom) <= 0 && !previousIds.has(first)) {
          snapshotTrusted = false;
          notes.push("Upstream's full listing was not in id order, so no task was deleted as absent.");
        } else {
          const upTo = page.nextCursor === null ? null : last;
          const listed = new Set(plan.ids);
          const inRange = await liveTasksInRange(db, mergeFrom, upTo);
          candidates = inRange.filter((t) => !listed.has(t.externalId)).map((t) => t.id);
          mergeFrom = last;
        }
      } else if (snapshotTrusted && page.nextCursor === null) {
        const inRange = await liveTasksInRange(db, mergeFrom, null);
        candidates = inRange.map((t) => t.id);
      }

      if (plan.maxUpdatedAt !== null && (highWater === null || plan.maxUpdatedAt > highWater))
        highWater = plan.maxUpdatedAt;
      const last = page.nextCursor === null;
      await db.batch([
        renewLeaseStatement(db, run.id, leaseUntil(now)),
        ...upsertStatements(db, plan.writes, settings.maxParams),
        ...markDeletedStatements(db, plan.deleteIds, nowIso, run.id, settings.maxParams),
        ...deleteCandidateStatements(db, run.id, candidates, settings.maxParams),
        ...errorStatements(db, run.id, [...retried.splice(0), ...plan.errors]),
        checkpointStatement(db, run.id, nowIso, plan.counts, {
          cursor: page.nextCursor,
          highWater,
          mergeFrom,
          snapshotComplete: last,
          attempts: pendingAttempts,
        }),
      ]);
      pendingAttempts = 0;
      committedPages++;
      previousIds = new Set(plan.ids);
      await deps.afterPage?.(run.id, committedPages);
      if (last) break;
      cursor = page.nextCursor;
    }

    const totals = (await getRun(db, run.id))!;
    let toDelete = 0;
    const errors: NewError[] = [];
    if (run.mode === "full") {
      const candidates = await countDeleteCandidates(db, run.id);
      if (!snapshotTrusted) {
        if (resumed) notes.push("Resumed listings do not delete absent tasks; the next full sync will.");
      } else if (candidates > 0) {
        const active = await activeTaskCount(db);
        const share = candidates / Math.max(active, 1);
        if (totals.fetched === 0 || share > settings.maxDeleteShare) {
          const why =
            totals.fetched === 0
              ? `upstream listed no tasks, which would delete all ${candidates} active tasks`
              : `${candidates} of ${active} active tasks (${Math.round(share * 100)}%) are absent upstream, more than the ${Math.round(settings.maxDeleteShare * 100)}% allowed`;
          const message = `Mass-delete guard: refused to delete because ${why}. Check upstream, then raise SYNC_MAX_DELETE_SHARE if this is intended.`;
          notes.push(message);
          errors.push({ at: iso(deps.clock()), kind: "mass_delete_guard", message, retryable: false });
        } else {
          toDelete = candidates;
        }
      }
    }
    const partial = totals.invalid > 0 || errors.length > 0;
    const headline = partial ? "Finished with problems:" : "Synced";
    const expected = { ...totals, deleted: totals.deleted + toDelete };
    await finish(partial ? "partial" : "success", [`${headline} ${summary(expected)}`, ...notes].join(" "), {
      errors,
      applyDeletions: toDelete > 0,
    });
  } catch (err) {
    if (isLeaseLost(err)) {
      // Another run took the lease over (ours expired); it has marked this run abandoned. Write nothing more.
      deps.logger.warn("sync lost its lease", { run_id: run.id });
      return;
    }
    if (err instanceof UpstreamError) {
      pendingAttempts += err.attempts;
      for (const f of err.retried) retried.push({ ...f, retryable: true });
    }
    const totals = (await getRun(db, run.id))!;
    const progress =
      committedPages > 0
        ? ` after ${committedPages} committed page${committedPages === 1 ? "" : "s"} (${summary(totals)})`
        : " before any page was committed";
    if (err instanceof UpstreamDeferred) {
      await finish(
        "deferred",
        `Deferred: upstream is rate limiting until ${err.nextAllowedAt}${progress}. Retry resumes at the checkpoint.`,
        {
          errors: [{ ...err.failure, retryable: true }],
          nextAllowedAt: err.nextAllowedAt,
        },
      );
    } else if (err instanceof UpstreamError) {
      const f = err.failure;
      await finish(
        committedPages > 0 ? "partial" : "failed",
        `Upstream request failed${progress}: ${f.message}`,
        {
          errors: [{ ...f, retryable: f.retryable }],
        },
      );
    } else {
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      deps.logger.error("sync crashed", { run_id: run.id, error: message });
      await finish(committedPages > 0 ? "partial" : "failed", `Internal error${progress}: ${message}`, {
        errors: [{ at: iso(deps.clock()), kind: "internal", message, retryable: true }],
      });
    }
  }
}

/** The scheduled entry point (cron on Workers and Node): an incremental sync, skipped while another runs. */
export async function runScheduledSync(deps: SyncDeps, cron: string): Promise<SyncOutcome | undefined> {
  const last = await latestRun(deps.db);
  if (last?.status === "deferred" && last.nextAllowedAt && last.nextAllowedAt > iso(deps.clock())) {
    deps.logger.info("scheduled sync skipped", {
      cron,
      reason: "deferred by upstream",
      next_allowed_at: last.nextAllowedAt,
    });
    return undefined;
  }
  const outcome = await runSync(deps, { trigger: "schedule" });
  if (outcome.kind === "busy") {
    deps.logger.info("scheduled sync skipped", {
      cron,
      reason: "another sync is running",
      run_id: outcome.running?.id,
    });
  }
  return outcome;
}
