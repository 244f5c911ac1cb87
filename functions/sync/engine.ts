// The sync engine's entry points: start a run (manual, scheduled, or a retry that resumes a listing), take the
// lease, drive the listing, and answer the finished run. It knows no Hono and no particular upstream.
import { acquireLease, type RunStart } from "../../db/lease";
import type { RunTrigger, SyncMode, SyncRun } from "../../db/schema";
import { getRun, lastWatermark, latestRun } from "../../db/sync-runs";
import { iso, type SyncDeps } from "./context";
import { driveListing } from "./listing";
import { incrementalSince } from "./watermark";

export type { SyncDeps, SyncSettings } from "./context";

export type SyncOutcome =
  | { kind: "finished"; run: SyncRun }
  | { kind: "busy"; running: SyncRun | undefined }
  | { kind: "not_found" }
  | { kind: "not_retryable"; run: SyncRun };

export const RETRYABLE_STATUSES = ["failed", "partial", "deferred", "abandoned"] as const;

type Plan = Omit<RunStart, "now" | "leaseExpiresAt">;

/** A fresh listing of `mode`; incremental continues from the last complete listing's watermark, if any. */
async function freshListing(
  deps: SyncDeps,
  trigger: RunTrigger,
  mode: SyncMode,
): Promise<[Plan, string | null]> {
  if (mode === "full") return [{ trigger, mode }, null];
  const mark = await lastWatermark(deps.db);
  if (mark === null)
    return [
      { trigger, mode: "full" },
      "No earlier complete listing to continue from, so this incremental request ran as a full sync.",
    ];
  return [{ trigger, mode, since: incrementalSince(mark, deps.settings.watermarkOverlapMs) }, null];
}

/** Starts a run (`manual` defaults to full, `schedule` to incremental) and drives it to its end. */
export async function runSync(
  deps: SyncDeps,
  req: { trigger: RunTrigger; mode?: SyncMode },
): Promise<SyncOutcome> {
  const mode: SyncMode = req.mode ?? (req.trigger === "schedule" ? "incremental" : "full");
  const [plan, note] = await freshListing(deps, req.trigger, mode);
  return start(deps, plan, note);
}

/**
 * Retries a run that did not succeed. When it is the latest run and its listing was cut short, the retry
 * continues that same listing from its checkpoint (so a full listing still finds deletions); otherwise it
 * starts a fresh listing of the same mode.
 */
export async function retrySync(deps: SyncDeps, runId: number): Promise<SyncOutcome> {
  const prior = await getRun(deps.db, runId);
  if (!prior) return { kind: "not_found" };
  if (!(RETRYABLE_STATUSES as readonly string[]).includes(prior.status))
    return { kind: "not_retryable", run: prior };
  const latest = await latestRun(deps.db);
  if (latest?.id === prior.id && !prior.snapshotComplete && prior.cursor !== null) {
    const plan: Plan = {
      trigger: "retry",
      mode: prior.mode,
      since: prior.since,
      resume: {
        retryOf: prior.id,
        listingId: prior.listingId ?? prior.id,
        cursor: prior.cursor,
        highWater: prior.highWater,
        baseTaskId: prior.baseTaskId,
        baseActive: prior.baseActive,
      },
    };
    return start(
      deps,
      plan,
      `Resumed run ${prior.id}'s listing from its checkpoint after page ${prior.pages}.`,
    );
  }
  const [plan, note] = await freshListing(deps, "retry", prior.mode);
  return start(deps, { ...plan, retryOf: prior.id }, note);
}

async function start(deps: SyncDeps, plan: Plan, note: string | null): Promise<SyncOutcome> {
  const now = deps.clock();
  const acquired = await acquireLease(deps.db, {
    ...plan,
    now: iso(now),
    leaseExpiresAt: iso(new Date(now.getTime() + deps.settings.leaseSeconds * 1000)),
  });
  if (!acquired.acquired) return { kind: "busy", running: acquired.running };
  const run = acquired.run;
  deps.logger.info("sync started", {
    run_id: run.id,
    trigger: run.trigger,
    mode: run.mode,
    since: run.since,
    retry_of: run.retryOf,
    source: deps.upstream.source.label,
  });
  await driveListing(deps, run, note);
  const finished = (await getRun(deps.db, run.id))!;
  deps.logger.info("sync finished", {
    run_id: finished.id,
    status: finished.status,
    pages: finished.pages,
    attempts: finished.attempts,
    fetched: finished.fetched,
    created: finished.created,
    updated: finished.updated,
    unchanged: finished.unchanged,
    deleted: finished.deleted,
    skipped: finished.skipped,
    invalid: finished.invalid,
    ignored: finished.ignored,
    ms: finished.finishedAt ? Date.parse(finished.finishedAt) - Date.parse(finished.startedAt) : null,
    message: finished.message,
  });
  return { kind: "finished", run: finished };
}

/** The scheduled entry point (cron on Workers and Node): an incremental sync, skipped while another runs. */
export async function runScheduledSync(deps: SyncDeps, cron: string): Promise<SyncOutcome | undefined> {
  const last = await latestRun(deps.db);
  if (last?.status === "deferred" && last.nextAllowedAt && last.nextAllowedAt > iso(deps.clock())) {
    deps.logger.info("scheduled sync skipped", {
      cron,
      reason: "deferred by upstream",
      next_allowed_at: last.nextAllowedAt,
    });
    return undefined;
  }
  const outcome = await runSync(deps, { trigger: "schedule" });
  if (outcome.kind === "busy") {
    deps.logger.info("scheduled sync skipped", {
      cron,
      reason: "another sync is running",
      run_id: outcome.running?.id,
    });
  }
  return outcome;
}
