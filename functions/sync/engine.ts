// The sync engine's entry points: start a run (manual, scheduled, or a retry that resumes a listing) by taking
// the lease, then follow it while a driver advances it slice by slice. It knows no Hono and no upstream by name.
import { acquireLease, type RunStart } from "../../db/lease";
import type { RunTrigger, SyncMode, SyncRun } from "../../db/schema";
import { fullListingTimes, getRun, lastWatermark, latestRun } from "../../db/sync-runs";
import { driveRun, type RunLauncher } from "../runs/driver";
import { newContext } from "./advance";
import { concludeInterrupted } from "./conclude";
import { iso, type SyncDeps } from "./context";
import { incrementalSince } from "./watermark";

export type { SyncDeps, SyncSettings } from "./context";

type Refused =
  | { kind: "busy"; running: SyncRun | undefined }
  | { kind: "not_found" }
  | { kind: "not_retryable"; run: SyncRun };

export type Started = { kind: "started"; run: SyncRun } | Refused;

export type SyncOutcome = { kind: "finished"; run: SyncRun } | { kind: "running"; run: SyncRun } | Refused;

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

/** Starts a run (`manual` defaults to full, `schedule` to incremental): takes the lease and creates the run. */
export async function startSync(
  deps: SyncDeps,
  req: { trigger: RunTrigger; mode?: SyncMode },
): Promise<Started> {
  const mode: SyncMode = req.mode ?? (req.trigger === "schedule" ? "incremental" : "full");
  const [plan, note] = await freshListing(deps, req.trigger, mode);
  return start(deps, plan, note);
}

/**
 * A run whose listing completed but whose end did not (upstream deferred its deletions' confirmations, or its
 * process died while confirming): its listing's markers are kept, so a retry only ends it. Only statuses the end
 * of a listing never writes: `partial` (and `success`) also end a listing that did conclude, whose markers are gone.
 */
const endsUnconcluded = (run: SyncRun) =>
  run.snapshotComplete && (["deferred", "failed", "abandoned"] as string[]).includes(run.status);

/**
 * How `trigger` resumes `prior` when it is the latest run (`latestId`): at its checkpoint when its listing was cut
 * short (so a full listing still finds deletions), or only its end when the listing was complete (endsUnconcluded:
 * a quota spent on listing again could leave nothing for the confirmations). Null when there is nothing to resume.
 */
function resumePlan(
  trigger: RunTrigger,
  prior: SyncRun,
  latestId: number | undefined,
): [Plan, string] | null {
  const listed = endsUnconcluded(prior);
  if (latestId !== prior.id || !(listed || (!prior.snapshotComplete && prior.cursor !== null))) return null;
  const plan: Plan = {
    trigger,
    mode: prior.mode,
    since: prior.since,
    resume: {
      retryOf: prior.id,
      listingId: prior.listingId ?? prior.id,
      cursor: prior.cursor,
      listed,
      highWater: prior.highWater,
      baseTaskId: prior.baseTaskId,
      baseActive: prior.baseActive,
    },
  };
  const note = listed
    ? `Resumed run ${prior.id}'s complete listing at its end (its deletions).`
    : `Resumed run ${prior.id}'s listing from its checkpoint after page ${prior.pages}.`;
  return [plan, note];
}

/** Retries a run that did not succeed: resumes it (resumePlan), else a fresh listing of the same mode. */
export async function startRetry(deps: SyncDeps, runId: number): Promise<Started> {
  const prior = await getRun(deps.db, runId);
  if (!prior) return { kind: "not_found" };
  if (!(RETRYABLE_STATUSES as readonly string[]).includes(prior.status))
    return { kind: "not_retryable", run: prior };
  const resume = resumePlan("retry", prior, (await latestRun(deps.db))?.id);
  if (resume) return start(deps, ...resume);
  const [plan, note] = await freshListing(deps, "retry", prior.mode);
  return start(deps, { ...plan, retryOf: prior.id }, note);
}

async function start(deps: SyncDeps, plan: Plan, note: string | null): Promise<Started> {
  const now = deps.clock();
  const acquired = await acquireLease(deps.db, {
    ...plan,
    note,
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
  return { kind: "started", run };
}

const POLL_MS = 200;

/** Waits for `work` at most `ms`; the timer does not outlive the wait (it would keep a short script alive). */
async function waitAtMost(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pause = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([work, pause]).finally(() => clearTimeout(timer));
}

/**
 * A driver that failed (a Workflow instance that could not be created or gave up, an in-process driver that threw)
 * leaves nothing driving its run: it ends at its checkpoint with the error, as a slice's failure would, unless it
 * has ended or lost its lease already. Left `running`, it would be reaped as abandoned once its lease expired.
 */
export async function endStranded(deps: SyncDeps, runId: number, err: unknown): Promise<void> {
  try {
    const run = await getRun(deps.db, runId);
    if (run?.status === "running")
      await concludeInterrupted(newContext(deps, run, new AbortController().signal), err);
  } catch (final) {
    deps.logger.warn("sync run not ended after its driver failed", { run_id: runId, error: String(final) });
  }
}

/**
 * Launches a started run's driver and waits up to `waitMs` (real time) for the run to end: the finished run, or
 * the running one. The driver goes on without the caller, so a closed connection never strands a run. An
 * in-process driver says when it is done; a Workflow is followed through the run's row.
 */
export async function followRun(
  deps: SyncDeps,
  run: SyncRun,
  launch: RunLauncher,
  waitMs: number,
): Promise<SyncOutcome> {
  let driverDone = false;
  const driver = launch(deps, run)
    .catch(async (err: unknown) => {
      deps.logger.error("sync driver crashed", { run_id: run.id, error: String(err) });
      await endStranded(deps, run.id, err);
      return { ended: true };
    })
    .then((r) => {
      driverDone = r.ended;
      return r;
    });
  const deadline = Date.now() + waitMs;
  for (;;) {
    await waitAtMost(driver, Math.max(0, Math.min(POLL_MS, deadline - Date.now())));
    const current = (await getRun(deps.db, run.id))!;
    if (current.status !== "running") {
      // The row can say finished while an in-process driver still logs it: the caller (a test, a shutdown) may
      // close the database next, so the driver gets its moment to end first.
      await waitAtMost(driver, POLL_MS);
      return { kind: "finished", run: current };
    }
    // A driver that stopped while the run is still `running` lost it to another process: nothing to wait for.
    if (driverDone || Date.now() >= deadline) return { kind: "running", run: current };
  }
}

/** Starts a run and drives it to its end in this process (cron on Node, tests, scripts). */
export async function runSync(
  deps: SyncDeps,
  req: { trigger: RunTrigger; mode?: SyncMode },
): Promise<SyncOutcome> {
  const started = await startSync(deps, req);
  if (started.kind !== "started") return started;
  await driveRun(deps, started.run.id);
  return { kind: "finished", run: (await getRun(deps.db, started.run.id))! };
}

/** A due full listing that did not complete is tried again after this long, not at every tick. */
const FULL_RETRY_MS = 3_600_000;

/**
 * What a scheduled run lists: what changed (incremental), or everything when the latest complete full listing
 * began SYNC_FULL_EVERY_HOURS ago or more. Only a full listing finds deletions an upstream does not announce
 * (GitHub lists no deleted issue) and heals any drift an incremental listing cannot see. One that fails is
 * tried again an hour later at the soonest; the ticks between stay incremental.
 */
async function scheduledMode(deps: SyncDeps): Promise<SyncMode> {
  const everyMs = deps.settings.fullEveryMs;
  if (everyMs === 0) return "incremental";
  const { attemptAt, completeAt } = await fullListingTimes(deps.db);
  const age = (at: string | null) => (at === null ? Infinity : deps.clock().getTime() - Date.parse(at));
  if (age(completeAt) < everyMs) return "incremental";
  return age(attemptAt) < Math.min(everyMs, FULL_RETRY_MS) ? "incremental" : "full";
}

/**
 * The scheduled start (cron on Workers and Node), unless deferred or another run is running (scheduledMode). The
 * first tick after a deferral resumes the deferred run where upstream stopped it: a fresh listing would spend the
 * quota on what that run already listed, and drop the deletions its complete listing found.
 */
export async function startScheduledSync(deps: SyncDeps, cron: string): Promise<Started | undefined> {
  const last = await latestRun(deps.db);
  if (last?.status === "deferred" && last.nextAllowedAt && last.nextAllowedAt > iso(deps.clock())) {
    deps.logger.info("scheduled sync skipped", {
      cron,
      reason: "deferred by upstream",
      next_allowed_at: last.nextAllowedAt,
    });
    return undefined;
  }
  // `last` is the latest run, read above.
  const resume = last?.status === "deferred" ? resumePlan("schedule", last, last.id) : null;
  const started = resume
    ? await start(deps, ...resume)
    : await startSync(deps, { trigger: "schedule", mode: await scheduledMode(deps) });
  if (started.kind === "busy") {
    deps.logger.info("scheduled sync skipped", {
      cron,
      reason: "another sync is running",
      run_id: started.running?.id,
    });
  }
  return started;
}

/** The scheduled entry point in this process: start, then drive the run to its end. */
export async function runScheduledSync(deps: SyncDeps, cron: string): Promise<SyncOutcome | undefined> {
  const started = await startScheduledSync(deps, cron);
  if (started?.kind !== "started") return started;
  await driveRun(deps, started.run.id);
  return { kind: "finished", run: (await getRun(deps.db, started.run.id))! };
}
