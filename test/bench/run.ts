// `npm run bench`: runs every benchmark part, checks the goals, prints a table, writes results/latest.json.

import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { buildServer, SERVICE_HEAP_FLAGS } from "../e2e/server";
import { benchApi } from "./api";
import { benchD1Calls } from "./d1-calls";
import { benchSearch } from "./search";
import { benchSyncMillion } from "./sync-1m";
import { benchWeb, buildWeb } from "./web";
import { benchWorkflow } from "./workflow";

type Goal = { key: string; ok: (r: Record<string, number>) => boolean; text: string };

const GOALS: Goal[] = [
  { key: "sync.ratio", ok: (r) => r["sync.ratio"]! <= 3, text: "≤ 3 × the bare upsert floor" },
  { key: "sync.ratio_10k", ok: (r) => r["sync.ratio_10k"]! <= 3, text: "≤ 3 × the bare upsert floor" },
  { key: "sync.noop_rows_written", ok: (r) => r["sync.noop_rows_written"] === 0, text: "0 rows written" },
  { key: "sync.incremental_ratio", ok: (r) => r["sync.incremental_ratio"]! <= 0.1, text: "≤ 10% of full_s" },
  { key: "sync.d1_calls_per_page", ok: (r) => r["sync.d1_calls_per_page"]! <= 3, text: "≤ 3 calls a page" },
  { key: "sync.peak_rss_mb", ok: (r) => r["sync.peak_rss_mb"]! <= 200, text: "≤ 200 MB" },
  { key: "sync.node_1m_peak_rss_mb", ok: (r) => r["sync.node_1m_peak_rss_mb"]! <= 200, text: "≤ 200 MB" },
  { key: "api.uncached_ratio", ok: (r) => r["api.uncached_ratio"]! >= 0.5, text: "≥ 0.5 × hello_rps" },
  {
    key: "api.deep_page_p50_ms",
    ok: (r) => r["api.deep_page_p50_ms"]! <= 2 * Math.max(1, r["api.first_page_p50_ms"]!),
    text: "≤ 2 × first_page_p50_ms",
  },
  {
    key: "api.flood_rss_mb",
    ok: (r) => r["api.flood_rss_mb"]! <= 200,
    text: "≤ 200 MB after 10,000 queries",
  },
  { key: "api.search_1m_p50_ms", ok: (r) => r["api.search_1m_p50_ms"]! <= 20, text: "≤ 20 ms" },
  { key: "web.js_gzip_kb", ok: (r) => r["web.js_gzip_kb"]! <= 50, text: "≤ 50 KiB gzip" },
];

// The timed syncs run in-process (the sync against its floor, nothing between), in a process with the service's
// heap cap, so the collector works as hard as in the service (its memory is measured on the build: service-sync.ts).
const SERVICE_NODE_FLAGS = [...SERVICE_HEAP_FLAGS, "--import", "tsx"];

/** Runs a bench file that prints its figures as a JSON line, in a process with the service's Node flags. */
function benchAsService(file: string): Record<string, number> {
  const child = spawnSync(process.execPath, [...SERVICE_NODE_FLAGS, file], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1 << 20,
  });
  if (child.status !== 0) throw new Error(`${file} exited ${child.status}`);
  return JSON.parse(child.stdout.trim().split("\n").at(-1)!) as Record<string, number>;
}

const parts: Array<[string, () => Promise<Record<string, number>>]> = [
  ["sync", async () => benchAsService("test/bench/sync.ts")],
  ["d1-calls", benchD1Calls],
  ["workflow", benchWorkflow],
  ["sync-1m", benchSyncMillion],
  ["api", benchApi],
  ["search", benchSearch],
  ["web", benchWeb],
];

const only = process.argv.slice(2);
// The D1 part runs `wrangler dev`, which refuses to start without the dashboard's assets folder, and the service's
// own figures (memory, the API) are taken from its build: build both first.
buildWeb();
buildServer();
const results: Record<string, number> = {};
for (const [name, run] of parts) {
  if (only.length && !only.includes(name)) continue;
  process.stderr.write(`bench: ${name}…\n`);
  Object.assign(results, await run());
}

const rows = Object.entries(results).map(([key, value]) => {
  const goal = GOALS.find((g) => g.key === key && key in results);
  const verdict = goal ? `${goal.ok(results) ? "PASS" : "FAIL"} (${goal.text})` : "";
  return `| ${key} | ${Number.isInteger(value) ? value : value.toFixed(3)} | ${verdict} |`;
});
console.log(["| metric | value | goal |", "|---|---|---|", ...rows].join("\n"));

mkdirSync("test/bench/results", { recursive: true });
writeFileSync(
  "test/bench/results/latest.json",
  `${JSON.stringify({ at: new Date().toISOString(), node: process.version, results }, null, 2)}\n`,
);
const failed = GOALS.filter((g) => g.key in results && !g.ok(results));
if (failed.length) {
  console.error(`bench: goals missed: ${failed.map((g) => g.key).join(", ")}`);
  process.exitCode = 1;
}
// Child servers and database handles must not keep the benchmark alive.
process.exit();
