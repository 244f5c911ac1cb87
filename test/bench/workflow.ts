// A 100,000-task full sync on Workers, driven by the Workflow: `wrangler dev` on a fresh local D1 with the built-in
// simulator; POST /api/sync answers 202 after a 1 s wait and the run is followed at its Location until it ends.
import { startServer, type TestServer } from "../e2e/server";

const TASKS = 100_000;
const POLL_MS = 250;
// Under wrangler dev a request that arrives while a Workflow step runs can be held without an answer until the
// client gives up (observed: as long as the client waits, 120–300 s, with workerd idle); the next one is answered.
const POLL_TIMEOUT_MS = 5_000;

type Run = {
  id: number;
  status: string;
  pages: number;
  duration_ms: number | null;
  counts: { fetched: number };
};

/** Follows a run at its URL until it is no longer running; counts the polls that got no answer in time. */
async function followRun(server: TestServer, location: string) {
  let unanswered = 0;
  for (;;) {
    const res = await fetch(`${server.url}${location}`, {
      signal: AbortSignal.timeout(POLL_TIMEOUT_MS),
    }).catch(() => null);
    if (!res) unanswered++;
    const run = res ? ((await res.json()) as Run) : null;
    if (run && run.status !== "running") return { run, unanswered };
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export async function benchWorkflow(): Promise<Record<string, number>> {
  const server = await startServer(
    { SIM_TOTAL: String(TASKS), LOG_LEVEL: "info", SYNC_WAIT_SECONDS: "1" },
    "workers",
  );
  try {
    const t0 = performance.now();
    const res = await fetch(`${server.url}/api/sync`, { method: "POST" });
    const first = (await res.json()) as Run;
    const location = res.headers.get("location") ?? `/api/sync/runs/${first.id}`;
    const { run, unanswered } =
      res.status === 202 ? await followRun(server, location) : { run: first, unanswered: 0 };
    const seconds = (performance.now() - t0) / 1000;
    if (run.status !== "success" || run.counts.fetched !== TASKS)
      throw new Error(`Workflow sync: ${JSON.stringify(run)}\n${server.output().slice(-3000)}`);
    return {
      "sync.workflow_100k_s": seconds,
      "sync.workflow_100k_run_s": run.duration_ms! / 1000,
      "sync.workflow_100k_pages": run.pages,
      "sync.workflow_100k_unanswered_polls": unanswered,
    };
  } finally {
    await server.stop();
  }
}
