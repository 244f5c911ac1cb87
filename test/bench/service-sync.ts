// A full sync run by the service as it ships: the Node build (dist/node.mjs, started as `npm start` starts it) in
// its own process, pulling from the simulator in another over real HTTP. Its peak memory is that process's own
// high-water mark, with nothing of the benchmark (or of a TypeScript loader) in it.
import { readFileSync } from "node:fs";
import { runWhenDone, startServer } from "../e2e/server";
import { freshPort, startUpstream, stop } from "./procs";

type Run = { id: number; status: string; duration_ms: number | null; counts: { created: number } };

/** The peak resident memory (VmHWM) of process `pid` so far, in MiB. */
function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

/** Starts a full sync of `total` tasks and follows it to its end; its seconds are the run's own duration. */
export async function serviceFullSync(total: number): Promise<{ seconds: number; peakMb: number }> {
  const port = freshPort();
  const upstream = await startUpstream(port, total);
  const server = await startServer(
    { UPSTREAM_URL: `http://127.0.0.1:${port}/`, SYNC_PAGE_SIZE: "500" },
    "build",
  );
  try {
    const started = await server.api("/api/sync", { method: "POST", body: { mode: "full" } });
    // Past SYNC_WAIT_SECONDS the run answers 202 and goes on: follow it at its URL.
    const run = await runWhenDone<Run>(server, ((await started.json()) as Run).id, {
      timeoutMs: 30 * 60_000,
      everyMs: 200,
    });
    if (run.status !== "success" || run.counts.created !== total)
      throw new Error(`service sync: ${JSON.stringify(run).slice(0, 500)}`);
    return { seconds: (run.duration_ms ?? 0) / 1000, peakMb: peakRssMb(server.pgid) };
  } finally {
    await server.stop();
    stop(upstream);
  }
}
