// Stops a listing whose cursors go nowhere: a repeated cursor (also in a cycle A → B → A, across slices too), an
// empty page that still hands out a cursor, or more pages than allowed. Without it such a run would never end.
import { cyrb53 } from "../hash";
import { bringsNothing, type FetchedPage } from "../upstreams/adapter";

export class CursorFault extends Error {
  override readonly name = "CursorFault";
}

/** Cursors remembered with the run's checkpoint (fingerprints): longer cycles end at SYNC_MAX_PAGES. */
export const TRAIL_LENGTH = 100;

/** A cursor shown in a message: short and printable, since it came from upstream. */
function shown(cursor: string): string {
  const clean = cursor.replace(/[^\x20-\x7e]/g, "?");
  return JSON.stringify(clean.length > 40 ? `${clean.slice(0, 40)}…` : clean);
}

/**
 * A cursor's fingerprint in the trail: cyrb53, a fast 53-bit string hash, the same on every runtime (a cursor can
 * be kilobytes; the trail keeps 100 of them with every checkpoint). The input is unchanged since trails were
 * first stored, so a run resumed across an upgrade still recognises its cursors.
 */
function fingerprint(cursor: string): string {
  return cyrb53(`${cursor}\u0000cursor`).toString(16).padStart(14, "0");
}

export function parseTrail(stored: string | null): string[] {
  try {
    const trail: unknown = stored ? JSON.parse(stored) : [];
    return Array.isArray(trail) ? trail.filter((t): t is string => typeof t === "string") : [];
  } catch {
    return [];
  }
}

export class CursorGuard {
  #trail: string[];
  #pages: number;

  /** `pagesSoFar`: pages the listing already committed; `trail`: the fingerprints stored with its checkpoint. */
  constructor(
    readonly maxPages: number,
    pagesSoFar: number,
    trail: string[],
  ) {
    this.#pages = pagesSoFar;
    this.#trail = trail.slice(-TRAIL_LENGTH);
  }

  /** The trail to store with the page's checkpoint. */
  get trail(): string {
    return JSON.stringify(this.#trail);
  }

  /** Throws CursorFault when the page just fetched (asked with `asked`) cannot lead the listing to an end. */
  check(asked: string | null, page: FetchedPage): void {
    this.#pages++;
    if (asked !== null && !this.#trail.includes(fingerprint(asked))) this.#trail.push(fingerprint(asked));
    const next = page.nextCursor;
    if (next === null) return;
    if (bringsNothing(page))
      throw new CursorFault(
        `The upstream sent an empty page with a cursor (${shown(next)}), which would page forever; the listing was stopped.`,
      );
    if (next === asked || this.#trail.includes(fingerprint(next)))
      throw new CursorFault(
        `The upstream repeated cursor ${shown(next)}, so its listing would loop forever; the listing was stopped.`,
      );
    if (this.#pages >= this.maxPages)
      throw new CursorFault(
        `The upstream listing went past ${this.maxPages} pages (SYNC_MAX_PAGES) without ending; the listing was stopped.`,
      );
    this.#trail = this.#trail.slice(-(TRAIL_LENGTH - 1));
  }
}
