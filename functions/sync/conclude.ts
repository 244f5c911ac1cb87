// Ends a run in a truthful state: success/partial after a complete listing (with its deletions), or
// failed/partial/deferred at its checkpoint when the listing was cut short — and always frees the lease.

import { eq, type SQL, sql } from "drizzle-orm";
import { clearListingStatements } from "../../db/absence";
import { databaseFault, FAULT_MESSAGES } from "../../db/database-faults";
import { holdLeaseStatements } from "../../db/lease";
import { syncRuns } from "../../db/schema";
import {
  errorStatements,
  finishRun,
  getRun,
  lastWatermark,
  listingFetched,
  type NewError,
  type PageCounts,
} from "../../db/sync-runs";
import { UpstreamDeferred, UpstreamError } from "../upstreams/adapter";
import { iso, type RunContext } from "./context";
import { CursorFault } from "./cursor-guard";
import { decideDeletions } from "./deletions";

export function summary(
  run: Omit<PageCounts, "deleted"> & { deleted: number | string; pages: number; ignored?: number },
) {
  const ignored = run.ignored ? `, ${run.ignored} ignored` : "";
  return `${run.fetched} records in ${run.pages} page${run.pages === 1 ? "" : "s"}: ${run.created} created, ${run.updated} updated, ${run.unchanged} unchanged, ${run.deleted} deleted, ${run.skipped} skipped, ${run.invalid} invalid${ignored}.`;
}

/** Retention's cut-offs, `now` less each kept age (see Finish). */
function retentionBefore(ctx: RunContext, now: Date) {
  const ago = (days: number) => iso(new Date(now.getTime() - days * 86_400_000));
  const { errorRetentionDays, runRetentionDays } = ctx.deps.settings;
  return { errors: ago(errorRetentionDays), runs: ago(runRetentionDays) };
}

/** The listing reached its last page: apply what it deleted (if the guard allows) and say what happened. */
export async function concludeListing(ctx: RunContext): Promise<void> {
  const { db, clock } = ctx.deps;
  const totals = (await getRun(db, ctx.run.id))!;
  ctx.statements++;
  // Whether upstream listed anything is a question about the whole listing, which may have begun in the run this
  // one resumed (a retry at its empty last page fetches nothing itself).
  const listed = ctx.run.listingId === null ? totals.fetched : await listingFetched(db, ctx.scope.listingId);
  if (ctx.run.listingId !== null) ctx.statements++;
  const decision = await decideDeletions(ctx, listed);
  const partial = totals.invalid > 0 || decision.errors.length > 0;
  const headline = partial ? "Finished with problems:" : "Synced";
  // An incremental listing that brought nothing keeps the previous watermark: the next asks the same question
  // (a conditional request then costs nothing upstream). So does one whose tombstones the guard refused: past its
  // mark they would never be listed again, and a retry allowed to delete them would find none.
  const broughtNothing = ctx.run.mode === "incremental" && totals.fetched === 0 && ctx.tombstones === 0;
  const keepMark = broughtNothing || (ctx.run.mode === "incremental" && decision.errors.length > 0);
  const now = clock();
  const highWater = keepMark ? await lastWatermark(db, ctx.run.id) : undefined;
  if (keepMark) ctx.statements++;
  ctx.statements += await finishRun(db, {
    runId: ctx.run.id,
    now: iso(now),
    status: partial ? "partial" : "success",
    message: withFinalDeleted(
      [`${headline} ${summary({ ...totals, deleted: DELETED })}`, ...ctx.notes, ...decision.notes].join(" "),
    ),
    attempts: ctx.pendingAttempts,
    errors: [...ctx.retried.splice(0), ...decision.errors],
    deletions: decision.statements,
    cleanup: clearListingStatements(db, ctx.scope.listingId),
    highWater,
    before: retentionBefore(ctx, now),
  });
}

/** Where the run's message says how many tasks it deleted, until withFinalDeleted fills it in. */
const DELETED = "\u0000";

/**
 * The message with the deleted count its final batch leaves in the run's row: a count taken before that batch
 * (before the confirmation requests, which take seconds) would claim a task a user deleted meanwhile, which the
 * run did not delete.
 */
function withFinalDeleted(message: string): SQL {
  // The headline holds the first placeholder; a note quoting one (none does) stays as it is.
  const at = message.indexOf(DELETED);
  return sql`${message.slice(0, at)} || ${syncRuns.deleted} || ${message.slice(at + DELETED.length)}`;
}

/** The listing stopped early: the run ends at its checkpoint, which a retry resumes. */
export async function concludeInterrupted(ctx: RunContext, err: unknown): Promise<void> {
  const { db, clock, logger } = ctx.deps;
  if (err instanceof UpstreamError) {
    ctx.pendingAttempts += err.attempts;
    for (const f of err.retried) ctx.retried.push({ ...f, retryable: true });
  }
  const totals = (await getRun(db, ctx.run.id))!;
  // Pages this run committed, in earlier slices too, as its row says: a batch can commit while its answer is lost
  // (the write thread died before replying), and the checkpoint moved with it.
  const n = totals.pages;
  // A retry that resumed a complete listing at its end (startRetry) has no page to commit.
  const progress =
    n > 0
      ? ` after ${n} committed page${n === 1 ? "" : "s"} (${summary(totals)})`
      : ctx.run.snapshotComplete
        ? " while ending the complete listing it resumed"
        : " before any page was committed";
  // A listing that reached its last page but not its end (its deletions, its final batch) did not conclude: not
  // `partial`, which would make it a complete listing the next run continues after (past its tombstones) and one
  // a retry lists again instead of ending (endsUnconcluded in engine.ts).
  const cutShort = n > 0 && !totals.snapshotComplete ? "partial" : "failed";
  const now = clock();
  let status: "partial" | "failed" | "deferred" = cutShort;
  let message: string;
  let error: NewError;
  let nextAllowedAt: string | undefined;
  if (err instanceof UpstreamDeferred) {
    status = "deferred";
    nextAllowedAt = err.nextAllowedAt;
    message = `Deferred: upstream is rate limiting until ${err.nextAllowedAt}${progress}. Retry resumes at the checkpoint.`;
    error = { ...err.failure, retryable: true };
  } else if (err instanceof UpstreamError) {
    message = `Upstream request failed${progress}: ${err.failure.message}`;
    error = { ...err.failure, retryable: err.failure.retryable };
  } else if (err instanceof CursorFault) {
    message = `Stopped${progress}: ${err.message}`;
    error = { at: iso(now), kind: "cursor", message: err.message, retryable: false };
  } else {
    const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    const fault = databaseFault(err);
    if (fault) {
      // Our database, not upstream nor a bug: the route answers 503 with the fault, the run says which.
      logger.error("sync stopped by the database", { run_id: ctx.run.id, fault, error: text });
      message = `Database failed${progress}: ${FAULT_MESSAGES[fault]} (${text})`;
      error = { at: iso(now), kind: "database", message: text, retryable: true };
    } else {
      logger.error("sync crashed", { run_id: ctx.run.id, error: text });
      message = `Internal error${progress}: ${text}`;
      error = { at: iso(now), kind: "internal", message: text, retryable: true };
    }
  }
  ctx.statements += await finishRun(db, {
    runId: ctx.run.id,
    now: iso(now),
    status,
    message: [message, ...ctx.notes].join(" "),
    nextAllowedAt,
    attempts: ctx.pendingAttempts,
    errors: [...ctx.retried.splice(0), error],
    // Nothing is deleted; confirmations answered before upstream deferred are kept for the end a retry resumes.
    deletions: ctx.answers.splice(0),
    // Kept for a retry that resumes this listing; the next run that starts another listing drops them.
    cleanup: [],
    before: retentionBefore(ctx, now),
  });
}

/**
 * Upstream rate-limits the run for a while its caller will wait out (a Workflow's `step.sleep`): the run stays
 * `running`, holds its lease until then, records the wait among its errors, and shows the request that waits as
 * its retry in progress (`retrying`, live-retry.ts) until the next slice's first request settles.
 */
export async function waitForUpstream(
  ctx: RunContext,
  err: UpstreamDeferred,
  retrying: string,
): Promise<void> {
  const { db, clock } = ctx.deps;
  ctx.pendingAttempts += err.attempts;
  for (const f of err.retried) ctx.retried.push({ ...f, retryable: true });
  const now = clock();
  const until = new Date(Date.parse(err.nextAllowedAt) + ctx.deps.settings.leaseSeconds * 1000).toISOString();
  const [hold, stamp] = holdLeaseStatements(db, ctx.run.id, iso(now), until);
  await db.batch([
    hold,
    stamp,
    ...errorStatements(db, ctx.run.id, [
      ...ctx.retried.splice(0),
      {
        ...err.failure,
        message: `${err.failure.message}; waiting until ${err.nextAllowedAt}`,
        retryable: true,
      },
    ]),
    db
      .update(syncRuns)
      .set({
        attempts: sql`${syncRuns.attempts} + ${ctx.pendingAttempts}`,
        nextAllowedAt: err.nextAllowedAt,
        liveRetry: retrying,
      })
      .where(eq(syncRuns.id, ctx.run.id)),
    // Confirmations answered before the rate limit: the slice after the wait asks only the rest.
    ...ctx.answers.splice(0),
  ]);
  ctx.pendingAttempts = 0;
}
