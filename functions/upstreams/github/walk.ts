// How the issue listing is paged: by update time, not by GitHub's page numbers.
//
// A page number counts positions, and positions move while a listing runs: an issue deleted, transferred or
// edited behind the current page moves every later issue one place back, and the issue at the page boundary is
// never served (a full sync then misses it, and an incremental one never asks for it again). So the listing is
// sorted by update time, oldest first, and each next page is asked `since` the latest update time served so far.
// An issue edited meanwhile moves behind the walk and is served again, newer; one that leaves moves nothing the
// walk has not passed. `since` is inclusive ("updated at or after"), so the cursor names the issues of that second
// already served, and they are dropped when they come again unless changed since (see versionOf). Only a page
// wholly within one second (more than a page of issues updated in the same second, as a bulk edit can do) goes on
// by page number within that second, and such a second is then listed again until a pass through it sees the same
// issues as the pass before (see `pass`).
import { z } from "zod";
import { cyrb53, mix32 } from "../../hash";
import { itemNumber } from "./issue";
import { MAX_CURSOR_LENGTH } from "./link";
import { type ApiRoot, githubTime, listingUrl, type RepoRef } from "./repo";

/** GitHub's largest page. */
export const GITHUB_MAX_PER_PAGE = 100;

/**
 * Pages a walk goes on by page number without its update times moving on, over all its passes through a second:
 * 100,000 issues updated in one second, past any bulk edit. A listing that gets there is not moving (a server
 * serving the same page, or pages out of order, forever) and ends instead of running to SYNC_MAX_PAGES.
 */
export const MAX_STALLED_PAGES = 1000;

const pagesSchema = z.number().int().min(1).max(MAX_STALLED_PAGES);
const issueNumber = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const uint32 = z
  .number()
  .int()
  .min(0)
  .max(2 ** 32 - 1);

const SECOND = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/**
 * Issues seen in a pass: how many, and `digest`, a sum of a hash of each one's number (mod 2^32), which does not
 * depend on the order they came in. Two passes that saw the same issues have equal digests; two that saw different
 * ones, even as many (one issue joined the second as another left it), differ save by a 1-in-2^32 chance.
 */
const seenSchema = z
  .object({
    count: z.number().int().min(0),
    digest: uint32,
  })
  .strict();
type Seen = z.infer<typeof seenSchema>;

/** An issue number spread over 32 bits (its high half folded in first), so nearby numbers sum apart. */
const numberHash = (n: number) => mix32((n ^ Math.floor(n / 2 ** 32)) >>> 0);

const NOTHING_SEEN: Seen = { count: 0, digest: 0 };

function seeing(seen: Seen, numbers: number[]): Seen {
  let { count, digest } = seen;
  for (const n of numbers) {
    count++;
    digest = (digest + numberHash(n)) >>> 0;
  }
  return { count, digest };
}

const sameIssues = (a: Seen, b: Seen | null) => b !== null && a.count === b.count && a.digest === b.digest;

const walkSchema = z
  .object({
    /** Update time (GitHub's second resolution) the page is asked from; null: from the start. */
    since: z.string().regex(SECOND).nullable(),
    page: pagesSchema,
    per_page: z.number().int().min(1).max(GITHUB_MAX_PER_PAGE),
    /**
     * Issues updated in the `since` second that were already served: each number with its version (see versionOf),
     * or a bare number (a cursor written before versions: any version of that issue counts as served).
     */
    served: z.array(z.union([issueNumber, z.tuple([issueNumber, uint32])])).max(GITHUB_MAX_PER_PAGE),
    /**
     * A pass by page number through the `since` second, which holds more than a page of issues. An issue of that
     * second that leaves it meanwhile (edited, deleted, transferred) moves every later one a place back, and the
     * one at the next page's start is never served. So the second is listed again from its first page, until a
     * pass sees the same issues as the pass before: then none left it during that pass, which skipped none. (Nor
     * did one join it, unless it took the place of one that left after it was served: an issue can only join a
     * past second when GitHub's clock or a replica lags; the next listing's overlap or the daily full one serves it.)
     */
    pass: z
      .object({
        /** The issues of the `since` second seen in this pass so far. */
        seen: seenSchema,
        /** What the pass before saw; null in the first. */
        before: seenSchema.nullable(),
        /** Pages asked within this second, over every pass. */
        pages: pagesSchema,
      })
      .strict()
      .optional(),
  })
  .strict();

export type Walk = z.infer<typeof walkSchema>;

/** Where a listing starts: everything, or what changed since `updatedSince`. */
export function walkStart(updatedSince: string | null, perPage: number): Walk {
  return {
    since: updatedSince === null ? null : githubTime(updatedSince),
    page: 1,
    per_page: perPage,
    served: [],
  };
}

export const walkUrl = (root: ApiRoot, repo: RepoRef, walk: Walk): string =>
  listingUrl(root, repo, { perPage: walk.per_page, since: walk.since, page: walk.page });

export const encodeWalk = (walk: Walk): string => JSON.stringify(walk);

/** A pass as cursors kept it before it kept its issues' digest: `seen` and `before` were bare counts. */
const countedPassSchema = z
  .object({
    seen: z.number().int().min(0),
    before: z.number().int().min(0).nullable(),
    pages: pagesSchema,
  })
  .strict();

/**
 * A cursor written while a pass kept only counts (countedPassSchema) goes on with a new pass from the second's first
 * page: what the pass before it saw cannot be compared.
 */
function upgradePass(value: unknown): unknown {
  const counted = countedPassSchema.safeParse((value as { pass?: unknown } | null)?.pass);
  if (!counted.success) return value;
  const restarted = { seen: NOTHING_SEEN, before: null, pages: counted.data.pages };
  return { ...(value as object), page: 1, served: [], pass: restarted };
}

/** A cursor this module wrote, or null for anything else. */
export function decodeWalk(cursor: string): Walk | null {
  if (!cursor.startsWith("{") || cursor.length > MAX_CURSOR_LENGTH) return null;
  try {
    const parsed = walkSchema.safeParse(upgradePass(JSON.parse(cursor)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

type Key = { number: number; at: string; version: number };

/** An item's issue number and update second, when it has readable ones (an invalid record may not). */
function keyOf(item: unknown): Key | undefined {
  const number = itemNumber(item);
  const updatedAt = (item as { updated_at?: unknown } | null)?.updated_at;
  if (number === undefined || typeof updatedAt !== "string" || Number.isNaN(Date.parse(updatedAt)))
    return undefined;
  const at = githubTime(updatedAt);
  return SECOND.test(at) ? { number, at, version: versionOf(item) } : undefined;
}

/**
 * A 32-bit hash (cyrb53's low half) of what a task keeps of an item: its title, state, labels and URL. GitHub's
 * update times have one-second resolution, so an issue changed twice within the second the walk is at keeps its
 * `updated_at`; its version tells the walk that it is not the one already served.
 */
function versionOf(item: unknown): number {
  const { title, state, labels, html_url } = item as Record<string, unknown>;
  return cyrb53(JSON.stringify([title, state, labels, html_url])) % 2 ** 32;
}

/** Whether this walk served `item` already: an issue of the `since` second named in its cursor, in this version. */
export function servedBefore(walk: Walk, item: unknown): boolean {
  if (walk.since === null || walk.served.length === 0) return false;
  const key = keyOf(item);
  if (key === undefined || key.at !== walk.since) return false;
  return walk.served.some((s) =>
    typeof s === "number" ? s === key.number : s[0] === key.number && s[1] === key.version,
  );
}

/** A pass through a second by page number, at its first page, which held `numbers` of the second's issues. */
const firstPass = (numbers: number[]): NonNullable<Walk["pass"]> => ({
  seen: seeing(NOTHING_SEEN, numbers),
  before: null,
  pages: 1,
});

/** Pages this walk has asked without its update times moving on (see MAX_STALLED_PAGES). */
export const stalledPages = (walk: Walk): number => walk.pass?.pages ?? walk.page;

/**
 * The walk after a page of `items` (as GitHub sent them), or null when the listing is done. The next page is asked
 * from the last item's update second, naming this page's issues of that second. A page that got no further than
 * `since` (all one second, or nothing readable), or that is not in the order asked (then its last time says
 * nothing of what comes after it), is followed by the next page number instead. A pass through a second of more
 * than a page ends with its last page, and the second is listed again unless the pass saw the same issues as the
 * one before it (see `pass`).
 */
export function nextWalk(given: Walk, items: unknown[], more: boolean): Walk | null {
  // A page short of what was asked, with more after it: the server pages by a smaller size (as a proxy might), and
  // page numbers and "a page wholly of one second" count by it from here on.
  const walk =
    more && items.length > 0 && items.length < given.per_page ? { ...given, per_page: items.length } : given;
  const keys = items.map(keyOf).filter((k): k is Key => k !== undefined);
  const ordered = keys.every((k, i) => i === 0 || keys[i - 1]!.at <= k.at);
  const last = keys.at(-1)?.at;
  const numbered = !ordered || last === undefined || (walk.since !== null && last <= walk.since);
  const ofSince = keys.filter((k) => k.at === walk.since).map((k) => k.number);
  const pass = walk.pass
    ? { ...walk.pass, seen: seeing(walk.pass.seen, ofSince), pages: walk.pass.pages + 1 }
    : // The first page asked from a second, and wholly of it: a pass through that second starts here.
      walk.page === 1 && ofSince.length >= walk.per_page
      ? firstPass(ofSince)
      : undefined;
  if (more && numbered) return { ...walk, page: walk.page + 1, ...(pass && { pass }) };
  // A pass of one page skips nothing: no page boundary for an issue to slip back over. Another pass serves the
  // second's issues again (served: none), so none of its pages is empty.
  if (pass && walk.page > 1 && !sameIssues(pass.seen, pass.before))
    return {
      ...walk,
      page: 1,
      served: [],
      pass: { seen: NOTHING_SEEN, before: pass.seen, pages: pass.pages },
    };
  if (!more || last === undefined) return null;
  const served = keys.filter((k) => k.at === last);
  const next = {
    since: last,
    page: 1,
    per_page: walk.per_page,
    served: served.slice(0, GITHUB_MAX_PER_PAGE).map((k): [number, number] => [k.number, k.version]),
  };
  if (served.length < walk.per_page) return next;
  // A page wholly of that second: asked again from it, its first page would be these same issues. A pass through
  // the second by page number starts, having seen them.
  return { ...next, page: 2, pass: firstPass(served.map((k) => k.number)) };
}
