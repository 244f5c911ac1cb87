// What the sync's status card and its metrics both say, read in one place: the latest run (after marking it
// abandoned if its lease expired), the last success, failures since, upstream's quota and the next cron tick.
import { Cron } from "croner";
import type { Db } from "../../db/client";
import { reapIfExpired } from "../../db/lease";
import type { SyncRun } from "../../db/schema";
import { consecutiveFailures, lastSuccessAt, latestRun } from "../../db/sync-runs";
import type { Config } from "../config";
import type { Quota } from "../upstreams/adapter";
import { upstreamQuota } from "../upstreams/source";

export type SyncState = {
  run: SyncRun | undefined;
  lastSuccess: string | null;
  failures: number;
  quota: Quota | null;
  /** The next tick of SYNC_CRON that will start a run, or null when there is no schedule. */
  next: string | null;
};

/**
 * The next tick of `cron` after `now` that will start a run: while the latest run is deferred, the ticks before
 * its next_allowed_at are skipped (startScheduledSync), so the first at or after it.
 */
export function nextScheduledAt(cron: string | undefined, now: Date, latest?: SyncRun): string | null {
  if (!cron || cron === "off") return null;
  const allowedAt =
    latest?.status === "deferred" && latest.nextAllowedAt ? Date.parse(latest.nextAllowedAt) : 0;
  // nextRun is strictly after the date it is given: a tick at next_allowed_at itself runs.
  const from = new Date(Math.max(now.getTime(), allowedAt - 1));
  try {
    return new Cron(cron, { paused: true }).nextRun(from)?.toISOString() ?? null;
  } catch {
    return null;
  }
}

export async function readSyncState(db: Db, config: Config, now: Date): Promise<SyncState> {
  await reapIfExpired(db, now.toISOString());
  const [run, lastSuccess, failures, quota] = await Promise.all([
    latestRun(db),
    lastSuccessAt(db),
    consecutiveFailures(db),
    upstreamQuota(db, config),
  ]);
  return { run, lastSuccess, failures, quota, next: nextScheduledAt(config.SYNC_CRON, now, run) };
}
