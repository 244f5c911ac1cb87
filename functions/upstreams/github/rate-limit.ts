// Reads GitHub's rate-limit headers and decides how long a refused request must wait, as GitHub's docs say.
import type { Quota } from "../adapter";
import { LAST_ISO_MS } from "../http";

/** GitHub's documented floor for a secondary limit that names no wait: at least one minute. */
export const SECONDARY_MIN_WAIT_MS = 60_000;

/** The primary quota reported by `x-ratelimit-*`, or null when the answer carries none (e.g. GitHub Enterprise with limits off). */
export function readQuota(headers: Headers): Quota | null {
  const remaining = headers.get("x-ratelimit-remaining");
  const limit = headers.get("x-ratelimit-limit");
  const reset = headers.get("x-ratelimit-reset");
  if (remaining === null || reset === null) return null;
  const r = Number(remaining);
  const l = limit === null ? r : Number(limit);
  const s = Number(reset);
  if (![r, l, s].every((n) => Number.isFinite(n) && n >= 0)) return null;
  // Clamped so a hostile header cannot produce an invalid Date later, nor an extended `+0YYYYY` year.
  const resetMs = Math.min(s * 1000, LAST_ISO_MS);
  return { remaining: Math.floor(r), limit: Math.floor(l), resetAt: new Date(resetMs).toISOString() };
}

/** `retry-after` in seconds (GitHub sends seconds; an HTTP date is accepted too); null when absent or unreadable. */
export function retryAfterMs(value: string | null, now: Date): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d{1,10}$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now.getTime());
}

export type RateLimitVerdict =
  | { kind: "primary"; resetAt: string }
  | { kind: "secondary"; waitMs: number | null }
  | { kind: "none" };

/**
 * Is this 403/429 a rate limit, and which? GitHub: remaining 0 → primary, wait for the reset; `retry-after` →
 * secondary, wait that long; a 429, or a 403 whose message speaks of a rate limit → secondary with no hint.
 * Any other 403 is a refusal (permissions), not something waiting fixes.
 */
export function classifyRefusal(
  status: number,
  headers: Headers,
  message: string,
  now: Date,
): RateLimitVerdict {
  if (status !== 403 && status !== 429) return { kind: "none" };
  const quota = readQuota(headers);
  const after = retryAfterMs(headers.get("retry-after"), now);
  if (after !== null) return { kind: "secondary", waitMs: after };
  if (quota && quota.remaining === 0) return { kind: "primary", resetAt: quota.resetAt };
  if (status === 429 || /rate limit/i.test(message)) return { kind: "secondary", waitMs: null };
  return { kind: "none" };
}

/** Secondary limit without a hint: one minute, then doubling (60 s, 120 s, 240 s, …). */
export function secondaryBackoffMs(strike: number): number {
  return SECONDARY_MIN_WAIT_MS * 2 ** Math.max(0, strike - 1);
}
