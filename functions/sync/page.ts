// One page of a listing: read the stored state of its ids, plan it, and commit its rows, markers, errors and
// the run's checkpoint in one batch headed by the lease renewal (a run that lost its lease writes nothing).
import { seenStatements, tombstoneStatements, untombstoneStatements } from "../../db/absence";
import { renewLeaseStatement } from "../../db/lease";
import { checkpointStatement, errorStatements } from "../../db/sync-runs";
import { loadByExternalIds, upsertStatements } from "../../db/task-sync";
import type { FetchedPage, InvalidRecord } from "../upstreams/adapter";
import { iso, leaseUntil, type RunContext } from "./context";
import { planPage } from "./plan-page";

/** A standard digest of an invalid record (its id and payload): the quarantine keeps one row per payload. */
async function fingerprint(rec: InvalidRecord): Promise<string> {
  const data = new TextEncoder().encode(`${rec.externalId ?? ""}\u0000${rec.raw}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function commitPage(ctx: RunContext, page: FetchedPage): Promise<void> {
  const { db, settings, clock } = ctx.deps;
  const now = clock();
  const nowIso = iso(now);
  const ids = [...new Set([...page.live, ...page.tombstones].map((r) => r.id))];
  for (const rec of page.invalid) if (rec.externalId !== null) ids.push(rec.externalId);
  const stored = await loadByExternalIds(db, [...new Set(ids)], settings.maxParams);
  const fingerprints = await Promise.all(page.invalid.map(fingerprint));
  const plan = planPage({
    page,
    stored,
    previous: ctx.previous,
    runId: ctx.run.id,
    now: nowIso,
    fingerprints,
  });

  const listing = ctx.scope.listingId;
  const shown = ctx.scope.absence ? plan.shownTaskIds.filter((id) => id <= ctx.scope.baseTaskId) : [];
  const revived = plan.liveTaskIds.filter((id) => ctx.tombstoned.has(id));
  const last = page.nextCursor === null;
  await db.batch([
    renewLeaseStatement(db, ctx.run.id, leaseUntil(ctx, now)),
    ...upsertStatements(db, plan.writes, settings.maxParams),
    ...seenStatements(db, listing, shown, settings.maxParams),
    ...tombstoneStatements(db, listing, plan.tombstonedTaskIds, settings.maxParams),
    ...untombstoneStatements(db, listing, revived, settings.maxParams),
    ...errorStatements(db, ctx.run.id, [...ctx.retried.splice(0), ...plan.errors]),
    checkpointStatement(db, ctx.run.id, nowIso, plan.counts, {
      cursor: page.nextCursor,
      highWater: ctx.highWater,
      snapshotComplete: last,
      attempts: ctx.pendingAttempts,
      ignored: page.ignored,
    }),
  ]);
  ctx.pendingAttempts = 0;
  ctx.committedPages++;
  ctx.previous = plan.versions;
  ctx.tombstones += plan.tombstonedTaskIds.length;
  for (const id of plan.tombstonedTaskIds) ctx.tombstoned.add(id);
  for (const id of revived) ctx.tombstoned.delete(id);
}
