// Listing positions and cursors (stable index cursors, (updated_at, index) cursors, or page numbers), and the
// parsing of a listing's query.
import { MAX_PAGE_SIZE, MAX_TASK_COUNT, type SimSettings, SimulatorInputError } from "./settings";

/** Full listings resume after an index; incremental ones after an (updated_at ms, index) key. */
export type Position =
  | { kind: "full"; index: number }
  | { kind: "incremental"; ms: number; index: number }
  /** Page-number pagination (full listings): page n starts at offset (n-1)·limit of the live set at request time. */
  | { kind: "page"; page: number };

export function encodeCursor(p: Position): string {
  if (p.kind === "page") return `p:${p.page}`;
  return p.kind === "full" ? `i:${p.index}` : `u:${p.ms}:${p.index}`;
}

const CURSOR_PATTERN = /^(?:i:(\d{1,8})|u:(-?\d{1,16}):(\d{1,8})|p:(\d{1,8}))$/;

export function decodeCursor(cursor: string): Position {
  const m = CURSOR_PATTERN.exec(cursor);
  if (m) {
    if (m[4] !== undefined) {
      const page = Number(m[4]);
      if (page >= 2) return { kind: "page", page };
    } else if (m[1] !== undefined) {
      const index = Number(m[1]);
      if (index < MAX_TASK_COUNT) return { kind: "full", index };
    } else {
      const ms = Number(m[2]);
      const index = Number(m[3]);
      if (Number.isSafeInteger(ms) && index < MAX_TASK_COUNT) return { kind: "incremental", ms, index };
    }
  }
  throw new SimulatorInputError("Invalid cursor: use the next_cursor of a previous page", [
    { field: "cursor", message: "not a cursor this upstream issued" },
  ]);
}

const ISO_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/** Parses an ISO 8601 date-time with a zone; rejects what Date.parse would silently roll over (Feb 30). */
export function parseIsoTime(value: string): number | undefined {
  const m = ISO_PATTERN.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return undefined;
  if (m[7] !== undefined && (Number(m[7]) > 23 || Number(m[8]) > 59)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export type ListQuery = { limit: number; cursor?: string; updated_since?: string };

export type ListPlan = { limit: number; start: Position };

export function compareKey(msA: number, idxA: number, msB: number, idxB: number): number {
  return msA !== msB ? msA - msB : idxA - idxB;
}

/** The error for a page size that is not an integer from 1 to MAX_PAGE_SIZE, however it was wrong. */
export function invalidLimit(): SimulatorInputError {
  return new SimulatorInputError(`Invalid limit: use an integer from 1 to ${MAX_PAGE_SIZE}`, [
    { field: "limit", message: `must be an integer from 1 to ${MAX_PAGE_SIZE}` },
  ]);
}

/**
 * Where a listing's page starts and how long it is, from its query: a cursor resumes its own listing; without
 * one, a full listing (in `pagination`'s style) or an updated_since one begins. Throws SimulatorInputError.
 */
export function planListing(q: ListQuery, pagination: SimSettings["pagination"]): ListPlan {
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_PAGE_SIZE) throw invalidLimit();
  let since: number | undefined;
  if (q.updated_since !== undefined) {
    since = parseIsoTime(q.updated_since);
    if (since === undefined) {
      throw new SimulatorInputError("Invalid updated_since: use an ISO 8601 date-time with a zone", [
        {
          field: "updated_since",
          message: "must be an ISO 8601 date-time such as 2026-01-01T00:00:00.000Z",
        },
      ]);
    }
  }
  const cursor = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  if (cursor?.kind === "full" || cursor?.kind === "page") {
    if (since !== undefined) {
      throw new SimulatorInputError(
        "Invalid cursor: it belongs to a full listing, not an updated_since one",
        [{ field: "cursor", message: "belongs to a full listing" }],
      );
    }
    return { limit: q.limit, start: cursor };
  }
  if (cursor === undefined && since === undefined) {
    const start: Position = pagination === "page" ? { kind: "page", page: 1 } : { kind: "full", index: -1 };
    return { limit: q.limit, start };
  }
  // An incremental cursor carries its own position, so updated_since may be repeated or left out.
  // Infinity as the index means "every record at exactly `since` is already seen": updated_at > since.
  let start: Position = { kind: "incremental", ms: since ?? Number.NEGATIVE_INFINITY, index: Infinity };
  if (cursor && compareKey(cursor.ms, cursor.index, start.ms, start.index) > 0) start = cursor;
  return { limit: q.limit, start };
}
