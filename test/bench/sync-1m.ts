// A 1,000,000-task full sync on Node: the simulator over real HTTP in its own process, a fresh libSQL file, in a
// process started like `npm start` (run.ts starts this file with the service's Node flags), with its peak RSS.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fullSync } from "./sync";

const TASKS = 1_000_000;

export async function benchSyncMillion(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), "tasksync-bench-1m-"));
  try {
    const run = await fullSync(dir, TASKS);
    run.done();
    return { "sync.node_1m_s": run.fullS, "sync.node_1m_peak_rss_mb": run.peakMb };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(await benchSyncMillion())}\n`);
  process.exit();
}
