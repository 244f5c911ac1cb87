// Validates upstream records into the adapter's normalised shapes; anything we could not store faithfully is
// quarantined with a plain reason instead of being silently changed.
import { z } from "zod";
import { TASK_STATUSES } from "../../db/schema";
import type { InvalidRecord, LiveRecord, Tombstone } from "./adapter";

export const MAX_TITLE_LENGTH = 500;
export const MAX_ID_LENGTH = 200;
/** A record's JSON larger than this is quarantined unread (titles are at most 500 characters). */
export const MAX_RECORD_BYTES = 16 * 1024;
const RAW_EXCERPT = 2000;

/**
 * True when SQLite text holds `s` exactly: no NUL (C strings end there) and no lone UTF-16 surrogate (it cannot
 * be encoded as UTF-8 and comes back as U+FFFD). Either would make the stored value differ from upstream's, so
 * the task would look changed on every run, or two ids would merge into one row.
 */
export function isFaithfulText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return false;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}

const faithful = (what: string) =>
  z
    .string()
    .refine(
      isFaithfulText,
      `${what} holds a NUL byte or a lone surrogate, which SQLite cannot store as sent`,
    );

/** `Date#toISOString()`'s own form (24 characters, milliseconds, UTC): what every stored time looks like. */
const isCanonicalIso = (v: string) => v.length === 24 && v.endsWith("Z");

// Zod's pattern checks month lengths and leap days, so a matching time in the canonical form is already what
// toISOString() would return; only other forms are parsed (`new Date` costs ~1 µs, most of a record's checks).
// An offset can carry a time past year 9999 or before 0000 in UTC (`9999-12-31T23:59:59-23:59`): toISOString()
// then writes an extended year (`+010000-…`) that RFC 3339 readers refuse and that sorts wrongly as text.
export const isoTime = z.iso
  .datetime({ offset: true })
  .transform((v) => (isCanonicalIso(v) ? v : new Date(v).toISOString()))
  .refine(isCanonicalIso, "time falls outside the years 0000 to 9999 in UTC");
// Ids are kept exactly as sent: " padded " and "padded" are two tasks.
export const externalId = z.string().min(1).max(MAX_ID_LENGTH).pipe(faithful("id"));
export const title = z.string().trim().min(1).max(MAX_TITLE_LENGTH).pipe(faithful("title"));

export const liveRecordSchema = z.object({
  id: externalId,
  title,
  status: z.enum(TASK_STATUSES),
  updated_at: isoTime,
  deleted: z.literal(false).optional(),
});
export const tombstoneSchema = z.object({ id: externalId, updated_at: isoTime, deleted: z.literal(true) });

/**
 * A record's payload as text, for its quarantine row. JSON.parse reads any depth but JSON.stringify recurses:
 * a payload nested a million deep cannot be written out, and saying so must not fail its page (every retry
 * would fail on it again). Nothing else can fail here: parsed JSON has no cycles and no bigints.
 */
export function payloadText(raw: unknown): string {
  try {
    return JSON.stringify(raw) ?? String(raw);
  } catch (err) {
    return `(payload not shown: ${err instanceof Error ? err.message : String(err)})`;
  }
}

/** What a quarantine row keeps of a payload's text: its first RAW_EXCERPT characters. */
export const payloadExcerpt = (text: string) =>
  text.length > RAW_EXCERPT ? `${text.slice(0, RAW_EXCERPT)}…` : text;

/** An invalid record: its id when it has a usable one, an excerpt of its payload, and why. */
export function invalidRecord(raw: unknown, reason: string, text = payloadText(raw)): InvalidRecord {
  const id = (raw as { id?: unknown })?.id;
  return {
    externalId: typeof id === "string" && id.length <= MAX_ID_LENGTH && isFaithfulText(id) ? id : null,
    raw: payloadExcerpt(text),
    reason,
  };
}

export function issuesText(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "record"}: ${i.message}`).join("; ");
}

/**
 * The most characters `raw`'s JSON can take, without writing it, when it is a flat object (every value a string,
 * number, boolean or null: a string's character is at most 6 escaped); undefined for anything else.
 */
function flatJsonBound(raw: unknown): number | undefined {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return undefined;
  let bound = 2;
  for (const key in raw) {
    const value = (raw as Record<string, unknown>)[key];
    const size = typeof value === "string" ? value.length : typeof value === "object" ? -1 : 24;
    if (size < 0 && value !== null) return undefined;
    bound += 6 * key.length + 6 * Math.max(size, 4) + 6;
  }
  return bound;
}

/** `raw`'s JSON when a cheap bound cannot tell that it fits MAX_RECORD_BYTES; undefined when it surely does. */
function textUnlessSmall(raw: unknown): string | undefined {
  const bound = flatJsonBound(raw);
  return bound === undefined || bound > MAX_RECORD_BYTES ? payloadText(raw) : undefined;
}

/** One record of the HTTP contract: live, tombstone, or invalid (with the reason). */
export function classifyRecord(raw: unknown): LiveRecord | Tombstone | InvalidRecord {
  // Written out at most once: for the size check when it is needed, then reused for an invalid record's excerpt.
  const text = textUnlessSmall(raw);
  if (text !== undefined && text.length > MAX_RECORD_BYTES)
    return invalidRecord(raw, `record larger than ${MAX_RECORD_BYTES} bytes`, text);
  const deleted = (raw as { deleted?: unknown })?.deleted === true;
  const parsed = (deleted ? tombstoneSchema : liveRecordSchema).safeParse(raw);
  if (parsed.success) return parsed.data;
  return invalidRecord(raw, issuesText(parsed.error), text);
}
