// One page of a listing, read and planned: the stored state of its ids is read (one query) and what the page
// changes becomes statements, written later with the other pages of its commit (see commit.ts).
import type { BatchItem } from "drizzle-orm/batch";
import { seenStatements, tombstoneStatements, untombstoneStatements } from "../../db/absence";
import { errorStatements, type NewError, type PageCounts, quarantinedBy } from "../../db/sync-runs";
import { loadByExternalIds, upsertStatements } from "../../db/task-sync";
import type { FetchedPage, InvalidRecord } from "../upstreams/adapter";
import { iso, type RunContext } from "./context";
import { invalidKey, planPage, type SeenVersions } from "./plan-page";

/** A page planned against the stored state, waiting to be committed. */
export type PlannedPage = {
  /** Every upstream id the page names: a later page naming one of them must see this page committed first. */
  ids: string[];
  /** The page's writes (tasks, markers, errors), in the order they must run. */
  statements: BatchItem<"sqlite">[];
  counts: PageCounts;
  /** Records the page carried: a commit gathers pages up to a number of records. */
  records: number;
  /** Requests the page took (retries included), and the failed attempts among them (in `statements` too). */
  attempts: number;
  retried: NewError[];
  ignored: number;
  nextCursor: string | null;
  /** The cursor guard's trail after this page: the checkpoint that commits the page stores it. */
  cursorTrail: string | null;
};

/** A standard digest of an invalid record (its id and payload): the quarantine keeps one row per payload. */
async function fingerprint(rec: InvalidRecord): Promise<string> {
  const data = new TextEncoder().encode(`${rec.externalId ?? ""}\u0000${rec.raw}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Every upstream id a page names (live, tombstoned, or on an invalid record). */
export function pageIds(page: FetchedPage): string[] {
  const ids = new Set([...page.live, ...page.tombstones].map((r) => r.id));
  for (const rec of page.invalid) if (rec.externalId !== null) ids.add(rec.externalId);
  return [...ids];
}

/**
 * The versions the page's repeats are found by: the previous page's, or on a slice's first page (the previous one
 * was planned by an earlier slice) the invalid payloads the run already quarantined, so a slice boundary does not
 * count a repeated invalid record twice against one quarantine row.
 */
async function previousVersions(ctx: RunContext, fingerprints: string[]): Promise<SeenVersions> {
  const continues = ctx.continues;
  ctx.continues = false;
  if (!continues || fingerprints.length === 0) return ctx.previous;
  const quarantined = await quarantinedBy(ctx.deps.db, ctx.run.id, fingerprints);
  ctx.statements++;
  return new Map(quarantined.map((fp) => [invalidKey(fp), ""]));
}

/**
 * Reads the stored state of the page's ids and plans the page. The run's listing state (previous versions,
 * tombstones seen) moves on at once: the next page is planned after this one even before either is committed.
 */
export async function planStoredPage(
  ctx: RunContext,
  page: FetchedPage,
  ids = pageIds(page),
): Promise<PlannedPage> {
  const { db, clock } = ctx.deps;
  const nowIso = iso(clock());
  const stored = await loadByExternalIds(db, ids);
  ctx.statements++;
  const fingerprints = await Promise.all(page.invalid.map(fingerprint));
  const plan = planPage({
    page,
    stored,
    previous: await previousVersions(ctx, fingerprints),
    runId: ctx.run.id,
    now: nowIso,
    fingerprints,
  });

  const listing = ctx.scope.listingId;
  const retried = ctx.retried.splice(0);
  const shown = ctx.scope.absence ? plan.shownTaskIds.filter((id) => id <= ctx.scope.baseTaskId) : [];
  const revived = plan.liveTaskIds.filter((id) => ctx.earlierTombstones || ctx.tombstoned.has(id));
  const statements: BatchItem<"sqlite">[] = [
    ...upsertStatements(db, plan.writes),
    ...seenStatements(db, listing, shown),
    ...tombstoneStatements(db, listing, plan.tombstonedTaskIds),
    ...untombstoneStatements(db, listing, revived),
    ...errorStatements(db, ctx.run.id, [...retried, ...plan.errors]),
  ];
  const attempts = ctx.pendingAttempts;
  ctx.pendingAttempts = 0;
  ctx.previous = plan.versions;
  ctx.tombstones += plan.tombstonedTaskIds.length;
  for (const id of plan.tombstonedTaskIds) ctx.tombstoned.add(id);
  for (const id of revived) ctx.tombstoned.delete(id);
  return {
    ids,
    statements,
    counts: plan.counts,
    records: page.live.length + page.tombstones.length + page.invalid.length,
    attempts,
    retried,
    ignored: page.ignored,
    nextCursor: page.nextCursor,
    cursorTrail: ctx.cursorTrail,
  };
}
