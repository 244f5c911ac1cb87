// Planned pages are written together, one batch (one transaction) for several pages: every batch rewrites the
// index pages its rows land on (the title index and the search index take rows anywhere), so fewer, larger
// commits write far less. The batch is headed by the lease renewal, conditional on the checkpoint the slice
// started from (a run that lost its lease, or a replayed slice, writes nothing), and ends with the checkpoint.
import type { BatchItem } from "drizzle-orm/batch";
import { renewLeaseStatement } from "../../db/lease";
import { checkpointStatement, noCounts, type PageCounts } from "../../db/sync-runs";
import { iso, leaseUntil, type RunContext } from "./context";
import type { PlannedPage } from "./page";

export type CommitGroup = { pages: PlannedPage[]; ids: Set<string>; records: number; statements: number };

export const emptyGroup = (): CommitGroup => ({ pages: [], ids: new Set(), records: 0, statements: 0 });

/** Statements the group's batch runs: its pages' plus the lease renewal and the checkpoint. */
export const groupStatements = (group: CommitGroup) => (group.pages.length === 0 ? 0 : group.statements + 2);

/**
 * A page naming an id a pending page names was planned, or must be planned, against a stored state that pending
 * page changes: the group is committed before that page is read.
 */
export function overlapsGroup(group: Pick<CommitGroup, "ids">, ids: readonly string[]): boolean {
  return ids.some((id) => group.ids.has(id));
}

export function addToGroup(group: CommitGroup, page: PlannedPage): void {
  group.pages.push(page);
  for (const id of page.ids) group.ids.add(id);
  group.records += page.records;
  group.statements += page.statements.length;
}

function sumCounts(pages: PlannedPage[]): PageCounts {
  const total = noCounts();
  for (const { counts } of pages)
    for (const k of Object.keys(total) as (keyof PageCounts)[]) total[k] += counts[k];
  return total;
}

/** A group's batch, started: the slice counts its pages and statements as taken until it settles. */
export type GroupWrite = {
  pages: PlannedPage[];
  ids: Set<string>;
  statements: number;
  done: Promise<unknown>;
  /** The batch has been answered (written or failed), whether or not the slice has settled it yet. */
  answered: boolean;
};

/**
 * Starts writing the group's pages and the checkpoint after its last page in one batch, and empties the group.
 * The caller settles each write before it starts the next: a batch's lease renewal expects the checkpoint the
 * previous one left.
 */
export function startGroupWrite(ctx: RunContext, group: CommitGroup): GroupWrite | null {
  const { pages, ids } = group;
  const last = pages.at(-1);
  if (!last) return null;
  const { db, clock } = ctx.deps;
  const now = clock();
  const statements: [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]] = [
    renewLeaseStatement(db, ctx.run.id, leaseUntil(ctx, now), ctx.run.pages + ctx.committedPages),
    ...pages.flatMap((p) => p.statements),
    checkpointStatement(db, ctx.run.id, iso(now), sumCounts(pages), {
      pages: pages.length,
      cursor: last.nextCursor,
      highWater: ctx.highWater,
      cursorTrail: last.cursorTrail,
      snapshotComplete: last.nextCursor === null,
      attempts: pages.reduce((n, p) => n + p.attempts, 0),
      ignored: pages.reduce((n, p) => n + p.ignored, 0),
    }),
  ];
  Object.assign(group, emptyGroup());
  const write: GroupWrite = {
    pages,
    ids,
    statements: statements.length,
    done: db.batch(statements),
    answered: false,
  };
  // Its failure is the caller's when it settles the write.
  settled(write.done).then(() => {
    write.answered = true;
  });
  return write;
}

/** Resolves when `promise` settles, either way. */
export const settled = (promise: Promise<unknown>): Promise<void> =>
  promise.then(
    () => undefined,
    () => undefined,
  );

/** Waits for a started write; on success the slice counts it, on failure its pages' requests go back to the run. */
export async function settleGroupWrite(ctx: RunContext, write: GroupWrite): Promise<void> {
  try {
    await write.done;
  } catch (err) {
    giveBackRequests(ctx, write.pages);
    throw err;
  }
  ctx.statements += write.statements;
  ctx.committedPages += write.pages.length;
}

/** Pages that will not be written: the requests they took are still the run's, recorded when it ends. */
export function giveBackRequests(ctx: RunContext, pages: PlannedPage[]): void {
  for (const page of pages) {
    ctx.pendingAttempts += page.attempts;
    ctx.retried.push(...page.retried);
  }
}
