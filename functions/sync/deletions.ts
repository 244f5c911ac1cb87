// At the end of a complete listing: what it would delete, whether the mass-delete guard allows it, and (for an
// upstream whose pages shift) which of the absent tasks upstream confirms as gone. Counting happens in SQL.

import type { BatchItem } from "drizzle-orm/batch";
import {
  absentTasks,
  applyDeletionStatements,
  countDoomed,
  type ListingScope,
  seenStatements,
  tombstoneStatements,
} from "../../db/absence";
import type { NewError } from "../../db/sync-runs";
import { type PartialConfirmation, UpstreamDeferred } from "../upstreams/adapter";
import { iso, type RunContext } from "./context";

export type DeletionDecision = {
  /** Statements for the run's final batch (empty when nothing is deleted). */
  statements: BatchItem<"sqlite">[];
  notes: string[];
  errors: NewError[];
};

const none = (notes: string[] = [], errors: NewError[] = []): DeletionDecision => ({
  statements: [],
  notes,
  errors,
});

/** The guard's verdict: null when the deletion may go ahead, else the reason it may not. */
export function guardVerdict(args: {
  doomed: number;
  fetched: number;
  baseActive: number;
  maxShare: number;
  full: boolean;
}): string | null {
  const { doomed, fetched, baseActive, maxShare } = args;
  if (doomed === 0) return null;
  if (args.full && fetched === 0)
    return `upstream listed no tasks, which would delete all ${doomed} active tasks`;
  // The share is of the tasks that existed before the run: tasks it created cannot dilute it.
  const share = doomed / Math.max(baseActive, 1);
  if (share <= maxShare) return null;
  const what = args.full ? "are absent upstream" : "were deleted upstream in one listing";
  return `${doomed} of ${baseActive} active tasks (${Math.round(share * 100)}%) ${what}, more than the ${Math.round(maxShare * 100)}% allowed`;
}

export async function decideDeletions(ctx: RunContext, fetched: number): Promise<DeletionDecision> {
  const { db, settings, upstream, clock } = ctx.deps;
  const scope = ctx.scope;
  const doomed = await countDoomed(db, scope);
  ctx.statements++;
  const verdict = guardVerdict({
    doomed,
    fetched,
    baseActive: ctx.run.baseActive,
    maxShare: settings.maxDeleteShare,
    full: scope.absence,
  });
  if (verdict !== null) {
    const message = `Mass-delete guard: refused to delete because ${verdict}. Check upstream, then raise SYNC_MAX_DELETE_SHARE if this is intended.`;
    return none([message], [{ at: iso(clock()), kind: "mass_delete_guard", message, retryable: false }]);
  }
  if (doomed === 0) return none();
  const now = iso(clock());
  if (!scope.absence || upstream.deletions === "listing") {
    return { statements: applyDeletionStatements(db, scope, now), notes: [], errors: [] };
  }
  return confirmAbsent(ctx, scope, now);
}

type AbsentTask = { id: number; externalId: string };

/**
 * Page-number upstreams: an absent task is deleted only when upstream confirms it is gone (bounded per run). Tasks
 * a deferred end of this listing already asked about are not absent any more (absentTasks): those confirmed are
 * queued, those still upstream marked seen (keepAnswers), and the queued ones are deleted with the rest.
 */
async function confirmAbsent(ctx: RunContext, scope: ListingScope, now: string): Promise<DeletionDecision> {
  const { db, settings, upstream } = ctx.deps;
  const absent = await absentTasks(db, scope, settings.maxConfirmations + 1);
  const checking = absent.slice(0, settings.maxConfirmations);
  const notes: string[] = [];
  let confirmed: string[] = [];
  if (checking.length > 0 && upstream.confirmDeleted) {
    const answer = await upstream
      .confirmDeleted(
        checking.map((t) => t.externalId),
        ctx.signal,
      )
      .catch((err: unknown) => {
        if (err instanceof UpstreamDeferred && err.partial) keepAnswers(ctx, checking, err.partial);
        throw err;
      });
    ctx.pendingAttempts += answer.requests;
    confirmed = answer.deleted;
  }
  const gone = new Set(confirmed);
  const ids = checking.filter((t) => gone.has(t.externalId)).map((t) => t.id);
  if (checking.length > ids.length)
    notes.push(
      `${checking.length - ids.length} task(s) missing from the listing are still upstream, so they were kept.`,
    );
  if (absent.length > checking.length)
    notes.push(
      `More than ${settings.maxConfirmations} tasks were missing from the listing; the rest are checked by the next full sync.`,
    );
  // Confirmed tasks join the tombstoned ones; only those are deleted.
  const statements = [
    ...tombstoneStatements(db, scope.listingId, ids),
    ...applyDeletionStatements(db, { ...scope, absence: false }, now),
  ];
  ctx.statements++;
  return { statements, notes, errors: [] };
}

/**
 * Upstream deferred the confirmations part-way: what it answered is kept with the listing, written by the batch
 * that ends (or pauses) the run, so the end a retry resumes asks only the rest. Tasks confirmed gone are queued as
 * the listing's tombstones, deleted only when it concludes (under the guard); tasks still upstream are marked seen.
 */
function keepAnswers(ctx: RunContext, checking: AbsentTask[], answer: PartialConfirmation): void {
  const { db } = ctx.deps;
  const answered = new Set(answer.answered);
  const gone = new Set(answer.deleted);
  const asked = checking.filter((t) => answered.has(t.externalId));
  const ids = asked.filter((t) => gone.has(t.externalId)).map((t) => t.id);
  const kept = asked.filter((t) => !gone.has(t.externalId)).map((t) => t.id);
  ctx.pendingAttempts += answer.requests;
  ctx.answers.push(
    ...tombstoneStatements(db, ctx.scope.listingId, ids),
    ...seenStatements(db, ctx.scope.listingId, kept),
  );
  ctx.notes.push(
    `Upstream answered for ${asked.length} of the ${checking.length} task(s) missing from the listing before it deferred: ${ids.length} confirmed gone (deleted when the listing ends), ${kept.length} still upstream (kept).`,
  );
}
