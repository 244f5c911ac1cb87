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
  /** The next tick of SYNC_CRON, or null when there is no schedule. */
  next: string | null;
};

export function nextScheduledAt(cron: string | undefined, now: Date): string | null {
  if (!cron || cron === "off") return null;
  try {
    return new Cron(cron, { paused: true }).nextRun(now)?.toISOString() ?? null;
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
  return { run, lastSuccess, failures, quota, next: nextScheduledAt(config.SYNC_CRON, now) };
}
