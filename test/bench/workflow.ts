// A 100,000-task full sync on Workers, driven by the Workflow: `wrangler dev` on a fresh local D1 with the built-in
// simulator; POST /api/sync answers 202 after SYNC_WAIT_SECONDS and the run is followed at its URL until it ends.
// The run's committed pages are sampled while it goes, to show where the time goes (slices and gaps between them).
import { startServer, type TestServer } from "../e2e/server";

const TASKS = 100_000;
const POLL_MS = 250;

type Run = { id: number; status: string; pages: number; counts: { fetched: number } };

/** Follows a run until it is no longer running; returns it with its page count sampled over time (s, pages). */
async function followRun(server: TestServer, location: string, t0: number) {
  const samples: Array<[number, number]> = [];
  for (;;) {
    // Under wrangler dev a GET can wait behind a running step: give it time, and keep following on a timeout.
    const got = await fetch(`${server.url}${location}`, { signal: AbortSignal.timeout(120_000) }).catch(
      () => null,
    );
    if (!got) continue;
    const run = (await got.json()) as Run;
    samples.push([(performance.now() - t0) / 1000, run.pages]);
    if (process.env.BENCH_TRACE) process.stderr.write(`${samples.at(-1)!.join(" ")}\n`);
    if (run.status !== "running") return { run, samples };
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** The stretches of at least `minS` seconds in which no page was committed: the time between slices. */
function stalls(samples: Array<[number, number]>, minS = 1) {
  const out: Array<{ at: number; s: number; pages: number }> = [];
  let from = 0;
  for (let i = 1; i <= samples.length; i++) {
    if (i < samples.length && samples[i]![1] === samples[from]![1]) continue;
    const s = samples[i - 1]![0] - samples[from]![0];
    if (s >= minS) out.push({ at: samples[from]![0], s, pages: samples[from]![1] });
    from = i;
  }
  return out;
}

export async function benchWorkflow(): Promise<Record<string, number>> {
  // The POST answers 202 at once (1 s wait), so the run is sampled while the Workflow drives it.
  const server = await startServer(
    { SIM_TOTAL: String(TASKS), LOG_LEVEL: "info", SYNC_WAIT_SECONDS: "1" },
    "workers",
  );
  try {
    const t0 = performance.now();
    const res = await fetch(`${server.url}/api/sync`, { method: "POST" });
    const first = (await res.json()) as Run;
    const location = res.headers.get("location") ?? `/api/sync/runs/${first.id}`;
    const { run, samples } =
      res.status === 202 ? await followRun(server, location, t0) : { run: first, samples: [] };
    const seconds = (performance.now() - t0) / 1000;
    if (run.status !== "success" || run.counts.fetched !== TASKS)
      throw new Error(`Workflow sync: ${JSON.stringify(run)}\n${server.output().slice(-3000)}`);
    const gaps = stalls(samples);
    process.stderr.write(`bench: workflow stalls (s at, s long, pages): ${JSON.stringify(gaps)}\n`);
    return {
      "sync.workflow_100k_s": seconds,
      "sync.workflow_100k_pages": run.pages,
      "sync.workflow_100k_stall_s": gaps.reduce((sum, g) => sum + g.s, 0),
    };
  } finally {
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchWorkflow());
  process.exit();
}
