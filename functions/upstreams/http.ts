// What every HTTP upstream adapter needs: bounded body reads, safe error excerpts, Retry-After and Date parsing.

/** Thrown by readCapped when a body is larger than allowed; it was not read past the limit. */
export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the body is larger than ${formatBytes(limit)}`);
  }
}

/**
 * Thrown by readCapped when a body is not UTF-8 (RFC 8259 requires it): replacing the bad bytes with U+FFFD would
 * turn distinct ids into one (`a\xff` and `a\xfe` both read `a�`), silently merging their tasks.
 */
export class BodyNotUtf8 extends Error {
  constructor() {
    super("the body is not valid UTF-8");
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} bytes`;
}

/**
 * Reads a response body as text, streamed and counted, and stops at `limit` bytes: an upstream can never make
 * us hold more than that (a 50 MB page would otherwise be read whole by `res.json()`).
 */
export async function readCapped(res: Response, limit: number): Promise<string> {
  const declared = Number(res.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) {
    await res.body?.cancel().catch(() => {});
    throw new BodyTooLarge(limit);
  }
  if (!res.body) return "";
  const reader = res.body.getReader();
  const decoder = strictUtf8();
  let size = 0;
  let text = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw new BodyTooLarge(limit);
      }
      text += decodeUtf8(decoder, value);
    }
    return text + decodeUtf8(decoder);
  } catch (err) {
    if (err instanceof BodyNotUtf8) await reader.cancel().catch(() => {});
    throw err;
  }
}

/** A decoder that refuses bytes that are not UTF-8 (a leading BOM is dropped); see decodeUtf8. */
export const strictUtf8 = () => new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * A strict decoder's text for `bytes` (more to come), or its end without them; its failure a BodyNotUtf8
 * (TextDecoder throws a bare TypeError).
 */
export function decodeUtf8(decoder: TextDecoder, bytes?: Uint8Array): string {
  try {
    return bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode();
  } catch {
    throw new BodyNotUtf8();
  }
}

/**
 * A short excerpt of an upstream's error body that is safe to publish in the run's errors: printable ASCII only,
 * whitespace collapsed, at most `max` characters. Bodies may come from anywhere (a proxy, a redirect target).
 */
export function safeExcerpt(text: string, max = 120): string {
  const clean = text
    .replace(/[^\x20-\x7e]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** Reads at most a few KiB of an error body and returns its safe excerpt ("" if unreadable). */
export async function errorExcerpt(res: Response): Promise<string> {
  try {
    return safeExcerpt(await readCapped(res, 4096));
  } catch {
    await res.body?.cancel().catch(() => {});
    return "";
  }
}

/** Longest Retry-After taken literally; anything beyond is treated as this long (the defer cap applies later). */
const RETRY_AFTER_CEILING_MS = 10 * 365 * 24 * 3600 * 1000;

/**
 * Retry-After is delta-seconds or an HTTP date. Returns the wait in ms (never negative, never beyond ten years,
 * so a later Date never overflows), or null when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now: Date): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed) * 1000, RETRY_AFTER_CEILING_MS);
  if (/^-\d+$/.test(trimmed)) return 0;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(0, at - now.getTime()), RETRY_AFTER_CEILING_MS);
}

/** The last instant RFC 3339 can write (and `toISOString()` writes without an extended `+0YYYYY` year). */
export const LAST_ISO_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * A `Date` header's instant as ISO; null when missing, unreadable, or past year 9999: it becomes the watermark,
 * and `+010000-…` would be sent back as the next incremental listing's `updated_since`/`since`, which upstream
 * refuses, failing every incremental sync until a full one.
 */
export function httpDate(value: string | null): string | null {
  if (!value) return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || ms < 0 || ms > LAST_ISO_MS) return null;
  return new Date(ms).toISOString();
}

/** The upstream's own clock from its `Date` header, as ISO; null when missing or unreadable. */
export function upstreamDate(res: Response): string | null {
  return httpDate(res.headers.get("date"));
}

/** A signal that fires on the caller's abort or after `timeoutMs`, whichever comes first. */
export function withTimeout(signal: AbortSignal | undefined, timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

export function isTimeout(err: unknown): boolean {
  const name = (err as Error | undefined)?.name;
  return name === "TimeoutError" || name === "AbortError";
}
