// The Cloudflare Workflow that drives a run on Workers: one durable step per slice (each its own invocation with
// its own D1 and CPU limits, retried on its own), and `step.sleepUntil` while upstream rate-limits the run.
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { advanceRun, type SliceOutcome } from "../sync/advance";
import type { SyncDeps } from "../sync/context";
import { endStranded, startScheduledSync } from "../sync/engine";
import type { RunLauncher } from "./driver";

/** A run already started (POST /api/sync), or a cron tick whose first step starts one. */
export type RunParams = { runId: number } | { cron: string };

/** Workflows allow 10,000 steps an instance; slices and waits together stay below that. */
export const MAX_SLICES = 4_000;

type DepsFor<Env> = (env: Env) => { deps: SyncDeps; maxWaitMs: number };

export function createSyncRunWorkflow<Env>(depsFor: DepsFor<Env>) {
  return class SyncRunWorkflow extends WorkflowEntrypoint<Env, RunParams> {
    override async run(event: Readonly<WorkflowEvent<RunParams>>, step: WorkflowStep) {
      const params = event.payload;
      const runId =
        "runId" in params
          ? params.runId
          : await step.do("start", async () => {
              const started = await startScheduledSync(depsFor(this.env).deps, params.cron);
              if (started?.kind === "started") return started.run.id;
              // This step again, after its first try started the run but its result was not recorded: the
              // scheduled run that holds the lease, started since this instance was created, is this tick's.
              const running = started?.kind === "busy" ? started.running : undefined;
              const ours =
                running?.trigger === "schedule" && Date.parse(running.startedAt) >= event.timestamp.getTime();
              return ours ? running.id : null;
            });
      if (runId === null) return { runId, slices: 0 };
      try {
        for (let i = 1; i <= MAX_SLICES; i++) {
          const slice: SliceOutcome & { waitMs: number } = await step.do(
            `slice ${i}`,
            { retries: { limit: 5, delay: "2 seconds", backoff: "exponential" }, timeout: "10 minutes" },
            async () => {
              const { deps, maxWaitMs } = depsFor(this.env);
              const slice = await advanceRun(deps, runId, deps.settings.slice, { maxWaitMs });
              // The wait as a duration fixed in the step's result: an instance resumed later runs again from its
              // start, and step.sleep finds its finished sleep by name and duration, where sleepUntil would
              // compute another duration, or refuse a time now past (the instance then failed).
              const waitMs = slice.waitUntil ? Math.max(0, Date.parse(slice.waitUntil) - Date.now()) : 0;
              return { ...slice, waitMs };
            },
          );
          if (slice.ended) return { runId, slices: i };
          if (slice.waitUntil) await step.sleep(`rate limit ${i}`, slice.waitMs);
        }
        throw new Error(`run ${runId} did not end within ${MAX_SLICES} slices`);
      } catch (err) {
        // The engine stopping the instance (a pause, a restart, a termination) is not the run's failure.
        if (String(err).includes("Aborting engine")) throw err;
        // The instance gives up on the run (a slice failed on every retry): the run ends saying why, not
        // `running` until its lease expires and then "abandoned" as if its process had died.
        await step.do("end", async () => endStranded(depsFor(this.env).deps, runId, err));
        throw err;
      }
    }
  };
}

/**
 * Launches a run as a Workflow instance named after it (its id and start, so a database recreated under
 * existing instances never collides), so launching it twice runs it once.
 */
export function workflowLauncher(binding: Workflow<RunParams>): RunLauncher {
  return async (_deps, run) => {
    const id = `run-${run.id}-${Date.parse(run.startedAt)}`;
    await binding.create({ id, params: { runId: run.id } }).catch((err: unknown) => {
      if (!/already exists/i.test(String(err))) throw err;
    });
    return { ended: false };
  };
}

/** The instance id of a cron tick: the same tick fired twice creates one instance, so it runs once. */
export function tickInstanceId(scheduledTime: number): string {
  return `tick-${new Date(scheduledTime).toISOString().replace(/[:.]/g, "-")}`;
}
