// Sync benchmark: a 100,000-task full sync over real HTTP into a libSQL file, against a bare upsert floor,
// plus the no-op and 1% incremental syncs, peak memory, and a 10,000-task sync on D1 under wrangler dev.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { createLibsqlDb } from "../../db/libsql";
import { MAX_PARAMS, upsertStatements } from "../../db/task-sync";
import { createApp } from "../../functions/app";
import { parseConfig } from "../../functions/config";
import { createLogger } from "../../functions/logger";
import { resolveDeps } from "../../functions/router";
import { Simulator } from "../../functions/simulator/dataset";
import { contentHash } from "../../functions/sync/plan-page";
import { upstreamFromConfig } from "../../functions/upstreams";
import { startServer } from "../e2e/server";

const TASKS = 100_000;
const PAGE = 500;

/** The simulator over real HTTP in its own process group, so stopping it also stops what npx started. */
function startUpstream(port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["tsx", "test/bench/upstream-server.ts", String(port), String(TASKS)], {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let out = "";
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes("ready")) resolve(child);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`upstream exited ${code}: ${out.slice(-2000)}`)));
  });
}

function stop(child: ChildProcess) {
  try {
    process.kill(-child.pid!, "SIGTERM");
  } catch {
    // already gone
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const value = await fn();
  return [value, (performance.now() - t) / 1000];
}

async function post(app: ReturnType<typeof createApp>, body: unknown) {
  const res = await app.request("/api/sync", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { status: string; counts: Record<string, number> };
  if (res.status !== 200 || json.status !== "success")
    throw new Error(`sync failed: ${JSON.stringify(json).slice(0, 500)}`);
  return json;
}

/** The floor: the same 100,000 rows as bare multi-row upserts, page by page, into a fresh database. */
async function floor(dir: string): Promise<number> {
  const { db, close } = await createLibsqlDb(`file:${join(dir, "floor.db")}`);
  const sim = new Simulator({ total: TASKS, failure_rate: 0, seed: 7 });
  const now = new Date().toISOString();
  const [, seconds] = await timed(async () => {
    let cursor: string | undefined;
    do {
      const page = sim.listPage({ limit: PAGE, cursor });
      const rows = page.data.map((r) => ({
        externalId: r.id,
        title: r.title as string,
        status: r.status as "todo",
        remoteUpdatedAt: r.updated_at as string,
        contentHash: contentHash(r.title as string, r.status as string),
        createdAt: now,
        updatedAt: now,
        lastRunId: 1,
        seenUserDeletion: null,
      }));
      const [first, ...rest] = upsertStatements(db, rows, MAX_PARAMS.libsql);
      await db.batch([first!, ...rest]);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
  });
  close();
  return seconds;
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

export async function benchSync(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), "tasksync-bench-"));
  const port = 8700 + Math.floor(Math.random() * 80);
  const upstream = await startUpstream(port);
  try {
    const { db, close } = await createLibsqlDb(`file:${join(dir, "sync.db")}`);
    const config = parseConfig({
      UPSTREAM_URL: `http://127.0.0.1:${port}/`,
      SYNC_PAGE_SIZE: String(PAGE),
      LOG_LEVEL: "warn",
    });
    const app = createApp(
      resolveDeps({
        config,
        dbKind: "libsql",
        db: () => db,
        logger: createLogger("warn"),
        upstream: upstreamFromConfig(config, undefined),
      }),
    );

    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const [full, fullS] = await timed(() => post(app, { mode: "full" }));
    clearInterval(sampler);
    if (full.counts.created !== TASKS)
      throw new Error(`expected ${TASKS} created, got ${full.counts.created}`);

    // Count every task row the no-op sync writes, with triggers (not temp ones: libSQL opens a fresh connection after each batch).
    await db.run(sql`create table bench_writes (n integer)`);
    await db.run(sql`insert into bench_writes values (0)`);
    for (const ev of ["insert", "update", "delete"]) {
      await db.run(
        sql.raw(
          `create trigger bench_${ev} after ${ev} on tasks begin update bench_writes set n = n + 1; end`,
        ),
      );
    }
    const [, noopS] = await timed(() => post(app, { mode: "full" }));
    const [written] = await db.all<{ n: number }>(sql`select n from bench_writes`);
    for (const ev of ["insert", "update", "delete"]) await db.run(sql.raw(`drop trigger bench_${ev}`));

    const advanced = await fetch(`http://127.0.0.1:${port}/advance`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ updates: TASKS / 100 }),
    });
    if (!advanced.ok) throw new Error(`advance failed: ${await advanced.text()}`);
    const [inc, incS] = await timed(() => post(app, { mode: "incremental" }));
    if (inc.counts.updated !== TASKS / 100) throw new Error(`incremental updated ${inc.counts.updated}`);
    close();

    const floorS = await floor(dir);
    const d1S = await d1TenThousand();
    return {
      "sync.tasks": TASKS,
      "sync.full_s": fullS,
      "sync.floor_s": floorS,
      "sync.ratio": fullS / floorS,
      "sync.noop_s": noopS,
      "sync.noop_rows_written": written!.n,
      "sync.incremental_1pct_s": incS,
      "sync.incremental_ratio": incS / fullS,
      "sync.peak_rss_mb": peak / 2 ** 20,
      "sync.d1_10k_s": d1S,
    };
  } finally {
    stop(upstream);
    rmSync(dir, { recursive: true, force: true });
  }
}

// run.ts starts this file in a child process with the service's Node flags (see `npm start`).
if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(await benchSync())}\n`);
  process.exit();
}
