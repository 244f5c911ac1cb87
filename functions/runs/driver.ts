// Drives a run's slices in this process (Node, tests, and Workers without a Workflow binding): the same slices a
// Workflow runs as steps, one after another. A rate limit ends the run `deferred` here; the cron resumes it.

import type { SyncRun } from "../../db/schema";
import { advanceRun } from "../sync/advance";
import type { SyncDeps } from "../sync/context";

export async function driveRun(deps: SyncDeps, runId: number): Promise<void> {
  for (;;) {
    const slice = await advanceRun(deps, runId, deps.settings.slice);
    if (slice.ended) return;
  }
}

/** Starts a run's driver: resolves when the run has ended, or (Workflow) once the driver is durably started. */
export type RunLauncher = (
  deps: SyncDeps,
  run: Pick<SyncRun, "id" | "startedAt">,
) => Promise<{ ended: boolean }>;

export const inProcessLauncher: RunLauncher = async (deps, run) => {
  await driveRun(deps, run.id);
  return { ended: true };
};
