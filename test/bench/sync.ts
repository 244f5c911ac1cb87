// Sync benchmark: 100,000- and 10,000-task full syncs over real HTTP into a libSQL file, each against the bare
// upsert floor of the same rows, plus the no-op and 1% incremental syncs, the built service's peak memory over a
// 100,000-task sync, and 10,000 tasks on D1.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { createLibsqlDb } from "../../db/libsql";
import { createApp } from "../../functions/app";
import { parseConfig } from "../../functions/config";
import { createLogger } from "../../functions/logger";
import { resolveDeps } from "../../functions/router";
import { upstreamFromConfig } from "../../functions/upstreams";
import { startServer } from "../e2e/server";
import { floorSeconds, upstreamRows } from "./floor";
import { freshPort, startUpstream, stop, timed } from "./procs";
import { serviceFullSync } from "./service-sync";

const TASKS = 100_000;
const SMALL = 10_000;
const PAGE = 500;

async function post(app: ReturnType<typeof createApp>, body: unknown) {
  const res = await app.request("/api/sync", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  type Run = { status: string; counts: Record<string, number> };
  let json = (await res.json()) as Run;
  // A sync that outlives SYNC_WAIT_SECONDS answers 202 and goes on: follow it at its URL until it ends.
  for (const location = res.headers.get("location"); res.status === 202 && json.status === "running"; ) {
    await new Promise((r) => setTimeout(r, 200));
    json = (await (await app.request(location!)).json()) as Run;
  }
  if (![200, 202].includes(res.status) || json.status !== "success")
    throw new Error(`sync failed: ${JSON.stringify(json).slice(0, 500)}`);
  return json;
}

async function d1TenThousand(): Promise<number> {
  const server = await startServer({ SIM_TOTAL: "10000" }, "workers");
  try {
    const [res, seconds] = await timed(async () => {
      const r = await fetch(`${server.url}/api/sync`, { method: "POST" });
      return (await r.json()) as { status: string; counts: { fetched: number } };
    });
    if (res.status !== "success" || res.counts.fetched !== 10_000)
      throw new Error(`D1 sync: ${JSON.stringify(res)}`);
    return seconds;
  } finally {
    await server.stop();
  }
}

function appOver(db: Db, port: number) {
  const config = parseConfig({
    UPSTREAM_URL: `http://127.0.0.1:${port}/`,
    SYNC_PAGE_SIZE: String(PAGE),
    LOG_LEVEL: "warn",
  });
  return createApp(
    resolveDeps({
      config,
      dbKind: "libsql",
      db: () => db,
      logger: createLogger("warn"),
      upstream: upstreamFromConfig(config, undefined),
    }),
  );
}

/**
 * Counts every task row a sync writes, and the marker rows it inserts into sync_seen, with triggers (not temp
 * ones: libSQL opens a fresh connection after each batch).
 */
async function countingWrites<T>(db: Db, fn: () => Promise<T>): Promise<[T, number, number]> {
  await db.run(sql`create table bench_writes (n integer, markers integer)`);
  await db.run(sql`insert into bench_writes values (0, 0)`);
  for (const ev of ["insert", "update", "delete"]) {
    await db.run(
      sql.raw(`create trigger bench_${ev} after ${ev} on tasks begin update bench_writes set n = n + 1; end`),
    );
  }
  await db.run(
    sql.raw(
      "create trigger bench_markers after insert on sync_seen begin update bench_writes set markers = markers + 1; end",
    ),
  );
  const value = await fn();
  const [written] = await db.all<{ n: number; markers: number }>(sql`select n, markers from bench_writes`);
  for (const trigger of ["insert", "update", "delete", "markers"])
    await db.run(sql.raw(`drop trigger bench_${trigger}`));
  await db.run(sql`drop table bench_writes`);
  return [value, written!.n, written!.markers];
}

/** A full sync of `total` tasks from an upstream over HTTP into a fresh libSQL file, in this process. */
async function fullSync(dir: string, total: number, run = 0) {
  const port = freshPort();
  const upstream = await startUpstream(port, total);
  const { db, close } = await createLibsqlDb(`file:${join(dir, `sync-${total}-${run}.db`)}`);
  const done = () => {
    close();
    stop(upstream);
  };
  const app = appOver(db, port);
  try {
    const [full, fullS] = await timed(() => post(app, { mode: "full" }));
    if (full.counts.created !== total)
      throw new Error(`expected ${total} created, got ${full.counts.created}`);
    return { port, db, app, fullS, done };
  } catch (err) {
    done();
    throw err;
  }
}

/**
 * Each ratio is taken from this many syncs and as many floors, alternated (a slow moment hits both sides). The
 * 10,000-task figures last 0.05–0.25 s, short against this machine's drift, so they take more.
 */
const RUNS = { large: 5, small: 9 };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Full syncs of `total` tasks and the floor of the same rows, alternated; `first` gets the first sync's db. */
async function syncsAgainstFloor(
  dir: string,
  total: number,
  runs: number,
  first?: (run: Awaited<ReturnType<typeof fullSync>>) => Promise<void>,
) {
  const syncs: number[] = [];
  const floors: number[] = [];
  for (let i = 0; i < runs; i++) {
    const run = await fullSync(dir, total, i);
    try {
      if (i === 0) await first?.(run);
    } finally {
      run.done();
    }
    syncs.push(run.fullS);
    // The floor's rows are built for each floor (before its clock starts) and dropped after it: held across the
    // syncs, 100,000 rows' strings would sit in the syncing process's capped heap and slow its collector.
    floors.push(await floorSeconds(upstreamRows(total, PAGE)));
  }
  return { fullS: median(syncs), floorS: median(floors) };
}

export async function benchSync(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), "tasksync-bench-"));
  try {
    let noopS = 0;
    let written = 0;
    let markers = 0;
    let incS = 0;
    // The no-op and 1% incremental syncs follow the first full sync, on its database.
    const large = await syncsAgainstFloor(dir, TASKS, RUNS.large, async (run) => {
      [[, noopS], written, markers] = await countingWrites(run.db, () =>
        timed(() => post(run.app, { mode: "full" })),
      );
      const advanced = await fetch(`http://127.0.0.1:${run.port}/advance`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ updates: TASKS / 100 }),
      });
      if (!advanced.ok) throw new Error(`advance failed: ${await advanced.text()}`);
      const [inc, seconds] = await timed(() => post(run.app, { mode: "incremental" }));
      if (inc.counts.updated !== TASKS / 100) throw new Error(`incremental updated ${inc.counts.updated}`);
      incS = seconds;
    });
    const small = await syncsAgainstFloor(dir, SMALL, RUNS.small);
    const service = await serviceFullSync(TASKS);
    const d1S = await d1TenThousand();
    return {
      "sync.tasks": TASKS,
      "sync.full_s": large.fullS,
      "sync.floor_s": large.floorS,
      "sync.ratio": large.fullS / large.floorS,
      "sync.noop_s": noopS,
      "sync.noop_rows_written": written,
      "sync.noop_marker_rows": markers,
      "sync.incremental_1pct_s": incS,
      "sync.incremental_ratio": incS / large.fullS,
      "sync.service_full_s": service.seconds,
      "sync.peak_rss_mb": service.peakMb,
      "sync.full_10k_s": small.fullS,
      "sync.floor_10k_s": small.floorS,
      "sync.ratio_10k": small.fullS / small.floorS,
      "sync.d1_10k_s": d1S,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// run.ts starts this file in a child process with the service's Node flags (see `npm start`).
if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(await benchSync())}\n`);
  process.exit();
}
