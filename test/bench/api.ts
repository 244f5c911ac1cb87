// API benchmark: the Node server over a 100,000-task libSQL file, loaded by autocannon from another process,
// then flooded with distinct list queries to see what memory they leave behind.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { sql } from "drizzle-orm";
import { createLibsqlDb } from "../../db/libsql";
import { startServer, type TestServer } from "../e2e/server";

const TASKS = 100_000;
const DEEP_ROWS = 90_000;
const DURATION_S = 5;
const CONNECTIONS = 10;
const LIST_PATH = "/api/tasks?status=todo&search=7&limit=50";
const AUTOCANNON = resolve("node_modules/autocannon/autocannon.js");
const FLOOD_QUERIES = 10_000;

/** 100,000 tasks as a sync would leave them: 500 a page sharing one updated_at, a few deleted. */
async function fill(url: string) {
  const { db, close } = await createLibsqlDb(url);
  const statuses = ["todo", "in_progress", "done"];
  const verbs = ["Review", "Ship", "Fix", "Plan", "Write", "Test", "Refactor", "Deploy"];
  const base = Date.parse("2025-01-01T00:00:00.000Z");
  for (let start = 0; start < TASKS; start += 500) {
    const values = [];
    for (let i = start; i < start + 500; i++) {
      const at = new Date(base + Math.floor(i / 500) * 1000).toISOString();
      const deleted = i % 50 === 0 ? at : null;
      values.push(
        sql`(${`ext-${String(i).padStart(7, "0")}`}, ${`${verbs[i % verbs.length]} item ${i}`}, ${statuses[i % 3]}, ${at}, ${at}, ${at}, ${deleted}, ${deleted ? "upstream" : null})`,
      );
    }
    await db.run(
      sql`insert into tasks (external_id, title, status, remote_updated_at, created_at, updated_at, deleted_at, deleted_by) values ${sql.join(values, sql`, `)}`,
    );
  }
  close();
}

type Cannon = {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
};

/** Runs autocannon in its own process (it must not share the server's or this process's event loop). */
function cannon(url: string, seconds: number, headers: string[] = []): Promise<Cannon> {
  return new Promise((ok, fail) => {
    const child = spawn(
      process.execPath,
      [
        AUTOCANNON,
        "-j",
        "-c",
        String(CONNECTIONS),
        "-d",
        String(seconds),
        ...headers.flatMap((h) => ["-H", h]),
        url,
      ],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("exit", (code) => {
      if (code !== 0) return fail(new Error(`autocannon exited ${code}: ${err.slice(-1000)}`));
      const result = JSON.parse(out) as Cannon;
      if (result.non2xx || result.errors)
        return fail(new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`));
      ok(result);
    });
  });
}

/** Warms the route up for a second, then measures it. */
async function measure(url: string): Promise<Cannon> {
  await cannon(url, 1);
  return cannon(url, DURATION_S);
}

/** Resident memory of the largest process in a group (the server), in MiB. */
export function groupRssMb(pgid: number): number {
  let largest = 0;
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const pgrp = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
      if (pgrp !== pgid) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      largest = Math.max(largest, Number(rss?.[1] ?? 0) / 1024);
    } catch {
      // The process ended while we looked.
    }
  }
  return largest;
}

/** FLOOD_QUERIES list queries, no two alike (search, status, sort and limit vary), ten at a time. */
async function flood(base: string) {
  const statuses = ["todo", "in_progress", "done", "todo,done"];
  const sorts = ["-updated_at", "title", "-external_id"];
  let next = 0;
  const worker = async () => {
    while (next < FLOOD_QUERIES) {
      const i = next++;
      const query = new URLSearchParams({
        search: `item ${i}`,
        status: statuses[i % statuses.length]!,
        sort: sorts[i % sorts.length]!,
        limit: String(1 + (i % 100)),
      });
      const res = await fetch(`${base}/api/tasks?${query}`);
      if (!res.ok) throw new Error(`flood query ${query} answered ${res.status}`);
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
}

/** The next_cursor after `rows` rows of the default list, walked through the API as a client would. */
async function cursorAfter(base: string, rows: number): Promise<string> {
  let cursor = "";
  for (let seen = 0; seen < rows; seen += 500) {
    const res = await fetch(`${base}/api/tasks?limit=500${cursor ? `&cursor=${cursor}` : ""}`);
    const page = (await res.json()) as { next_cursor: string | null };
    if (!page.next_cursor) throw new Error(`the list ended before ${rows} rows`);
    cursor = page.next_cursor;
  }
  return cursor;
}

export async function benchApi(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), "tasksync-api-bench-"));
  const databaseUrl = `file:${join(dir, "bench.db")}`;
  let server: TestServer | undefined;
  try {
    await fill(databaseUrl);
    // The build, started as `npm start` starts it.
    server = await startServer({ DATABASE_URL: databaseUrl }, "build");
    const base = server.url;

    const hello = await measure(`${base}/api/health`);
    const list = await measure(`${base}${LIST_PATH}`);
    const first = await measure(`${base}/api/tasks?limit=50`);
    const deep = await measure(`${base}/api/tasks?limit=50&cursor=${await cursorAfter(base, DEEP_ROWS)}`);
    const rssBefore = groupRssMb(server.pgid);
    await flood(base);
    const rssAfter = groupRssMb(server.pgid);

    const round = (n: number) => Math.round(n * 100) / 100;
    return {
      "api.hello_rps": round(hello.requests.average),
      "api.list_uncached_rps": round(list.requests.average),
      "api.uncached_ratio": round(list.requests.average / hello.requests.average),
      "api.list_p99_ms": round(list.latency.p99),
      "api.first_page_p50_ms": round(first.latency.p50),
      "api.deep_page_p50_ms": round(deep.latency.p50),
      "api.rss_before_flood_mb": round(rssBefore),
      "api.flood_rss_mb": round(rssAfter),
    };
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// `tsx test/bench/api.ts` runs this part alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchApi());
}
