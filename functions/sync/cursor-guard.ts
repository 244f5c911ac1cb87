// Stops a listing whose cursors go nowhere: a repeated cursor (also in a cycle A → B → A), an empty page that
// still hands out a cursor, or more pages than allowed. Without it such a run would never end.
import type { FetchedPage } from "../upstreams/adapter";

export class CursorFault extends Error {
  override readonly name = "CursorFault";
}

/** A cursor shown in a message: short and printable, since it came from upstream. */
function shown(cursor: string): string {
  const clean = cursor.replace(/[^\x20-\x7e]/g, "?");
  return JSON.stringify(clean.length > 40 ? `${clean.slice(0, 40)}…` : clean);
}

export class CursorGuard {
  #seen = new Set<string>();
  #pages: number;

  /** `pagesSoFar`: pages the listing already committed (a resumed listing counts them too). */
  constructor(
    readonly maxPages: number,
    pagesSoFar: number,
    current: string | null,
  ) {
    this.#pages = pagesSoFar;
    if (current !== null) this.#seen.add(current);
  }

  /** Throws CursorFault when the page just fetched cannot lead the listing to an end. */
  check(page: FetchedPage): void {
    this.#pages++;
    const next = page.nextCursor;
    if (next === null) return;
    if (page.received === 0 && page.ignored === 0 && !page.notModified)
      throw new CursorFault(
        `The upstream sent an empty page with a cursor (${shown(next)}), which would page forever; the listing was stopped.`,
      );
    if (this.#seen.has(next))
      throw new CursorFault(
        `The upstream repeated cursor ${shown(next)}, so its listing would loop forever; the listing was stopped.`,
      );
    if (this.#pages >= this.maxPages)
      throw new CursorFault(
        `The upstream listing went past ${this.maxPages} pages (SYNC_MAX_PAGES) without ending; the listing was stopped.`,
      );
    this.#seen.add(next);
  }
}
