// A 1,000,000-task full sync by the built Node service (see service-sync.ts), with its peak RSS: the simulator
// over real HTTP in its own process, a fresh libSQL file.
import { serviceFullSync } from "./service-sync";

const TASKS = 1_000_000;

export async function benchSyncMillion(): Promise<Record<string, number>> {
  const { seconds, peakMb } = await serviceFullSync(TASKS);
  return { "sync.node_1m_s": seconds, "sync.node_1m_peak_rss_mb": peakMb };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(await benchSyncMillion())}\n`);
  process.exit();
}
