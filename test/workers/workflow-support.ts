// What the Workflow tests share: a run started the way POST /api/sync starts one, and the entry's own simulator
// reached through the entry.
import { SELF } from "cloudflare:test";
import type { Db } from "../../db/client";
import { acquireLease } from "../../db/lease";

/** Takes the lease for a manual full run, as the API does before it launches the Workflow; the run's id. */
export async function startRun(db: Db): Promise<number> {
  const now = new Date();
  const acquired = await acquireLease(db, {
    now: now.toISOString(),
    leaseExpiresAt: new Date(now.getTime() + 60_000).toISOString(),
    trigger: "manual",
    mode: "full",
  });
  if (!acquired.acquired) throw new Error("lease busy");
  return acquired.run.id;
}

/** Calls the entry's simulator (`/simulator/<path>`) with a JSON body. */
export function callSimulator(path: string, method: string, body: unknown): Promise<Response> {
  return SELF.fetch(`http://localhost/simulator/${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}
