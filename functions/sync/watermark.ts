// The watermark: upstream's own clock when a listing began, never a record's `updated_at` (records can be
// skewed, future-dated or change while the listing runs). Incremental listings ask from it minus an overlap.

/** The mark for a listing whose first page just arrived: upstream's `now`, or ours before the request if it gave none. */
export function listingWatermark(upstreamNow: string | null, requestedAt: Date): string {
  return upstreamNow ?? requestedAt.toISOString();
}

/** `updated_since` for an incremental listing continuing from `mark`: re-reading the overlap is cheap (unchanged rows are not written). */
export function incrementalSince(mark: string, overlapMs: number): string {
  return new Date(Date.parse(mark) - overlapMs).toISOString();
}
