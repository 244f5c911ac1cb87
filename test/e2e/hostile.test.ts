// Issue 13's edges over real HTTP on both runtimes (Node + libSQL file, Workers + local D1 under wrangler dev):
// security headers on every response (static assets included), the Host allowlist, a 413 that leaves the
// keep-alive connection usable, and the hostile fuzz with its database, connection and OpenAPI checks.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Db, schema } from "../../db/client";
import type { ErrorCode } from "../../functions/http/errors";
import { digest, ERROR_CODES, request, toWire } from "../shared/hostile-requests";
import { documentedStatuses, expectDocumented } from "../shared/openapi-statuses";
import { keepAliveConnection, type WireAnswer } from "./connection";
import { startServer, type TestServer } from "./server";

const RUNTIMES = ["node", "workers"] as const;
const FUZZ_REQUESTS = 1000;

/** The database file the server writes: the libSQL file on Node, the local D1's SQLite file on Workers. */
function databaseFile(server: TestServer, runtime: (typeof RUNTIMES)[number]): string {
  if (runtime === "node") return server.dbFile;
  const folder = join(server.dir, "v3", "d1", "miniflare-D1DatabaseObject");
  const file = readdirSync(folder).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  if (!file) throw new Error(`no D1 database under ${folder}`);
  return join(folder, file);
}

function expectSecurityHeaders(res: WireAnswer, label: string) {
  const csp = String(res.headers["content-security-policy"] ?? "");
  expect(csp, label).toContain("frame-ancestors 'none'");
  expect(csp, label).toContain("script-src 'self'");
  expect(csp, label).not.toContain("'unsafe-inline'; script");
  expect(res.headers["x-frame-options"], label).toBe("DENY");
  expect(res.headers["x-content-type-options"], label).toBe("nosniff");
  expect(res.headers["referrer-policy"], label).toBe("no-referrer");
}

function expectErrorShape(res: WireAnswer, label: string): ErrorCode {
  expect(res.headers["content-type"], label).toContain("application/json");
  const parsed = JSON.parse(res.body) as { error?: { code?: unknown; message?: unknown } };
  expect(ERROR_CODES.has(parsed.error?.code as ErrorCode), label).toBe(true);
  expect(typeof parsed.error?.message, label).toBe("string");
  return parsed.error?.code as ErrorCode;
}

describe.each(RUNTIMES)("the %s runtime over real HTTP", (runtime) => {
  let server: TestServer;
  let db: Db;

  beforeAll(async () => {
    // Short upstream timeouts: a fuzzed simulator fault must end its sync fast, not run past the request.
    server = await startServer({ UPSTREAM_TIMEOUT_MS: "300", SYNC_MAX_RETRY_WAIT_SECONDS: "0" }, runtime);
    const seeded = await server.api("/api/sync", { method: "POST" });
    expect(seeded.status).toBe(200);
    db = drizzle(createClient({ url: `file:${databaseFile(server, runtime)}` }), { schema }) as unknown as Db;
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("sends the security headers on every response: page, static assets, API, errors", async () => {
    const conn = keepAliveConnection(server.url);
    const assets = readdirSync(join(import.meta.dirname, "../../dist/web/assets")).map((f) => `/assets/${f}`);
    const paths = [
      "/",
      "/index.html",
      "/tasks/view",
      "/docs/scalar.js",
      ...assets,
      "/api/tasks",
      "/api/nope",
    ];
    for (const path of [...paths, "/api/docs"]) {
      const res = await conn.send({ method: "GET", path });
      expect(res.status, path).toBeLessThan(500);
      if (path === "/api/docs") {
        expect(res.headers["x-frame-options"]).toBe("DENY");
        expect(res.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
      } else {
        expectSecurityHeaders(res, path);
      }
    }
    // The headers file is read by the assets layer, never served.
    const file = await conn.send({ method: "GET", path: "/_headers" });
    expect(file.body).not.toContain("security-headers.ts");
    conn.close();
  });

  it("refuses a request naming another host (DNS rebinding) with a JSON 403, before touching data", async () => {
    const conn = keepAliveConnection(server.url);
    const before = await digest(db);
    for (const [method, path] of [
      ["DELETE", "/api/tasks/1"],
      ["POST", "/api/sync"],
      ["GET", "/api/tasks"],
    ] as const) {
      const res = await conn.send({
        method,
        path,
        headers: { host: "rebound.evil.example:8787", origin: "http://rebound.evil.example:8787" },
      });
      expect(res.status, path).toBe(403);
      expect(expectErrorShape(res, path)).toBe("forbidden");
      expectSecurityHeaders(res, path);
    }
    expect(await digest(db)).toBe(before);
    conn.close();
  });

  it("answers 413 to a body over the limit and keeps the keep-alive connection usable", async () => {
    const conn = keepAliveConnection(server.url);
    const big = JSON.stringify({ mode: "full", pad: "x".repeat(1024 * 1024) });
    for (const chunked of [false, true]) {
      const refused = await conn.send({
        method: "POST",
        path: "/api/sync",
        headers: { "content-type": "application/json", origin: server.url },
        body: big,
        chunked,
      });
      expect(refused.status, `chunked ${chunked}`).toBe(413);
      expect(expectErrorShape(refused, "413")).toBe("payload_too_large");
      const next = await conn.send({ method: "GET", path: "/api/health" });
      expect(next.status).toBe(200);
      expect(next.connection, `the request after a 413 (chunked ${chunked}) used the same connection`).toBe(
        refused.connection,
      );
    }
    conn.close();
  });

  it(`survives ${FUZZ_REQUESTS} hostile requests: no 5xx, documented statuses, the error shape, data unchanged, connection usable`, async () => {
    const conn = keepAliveConnection(server.url);
    const base = new URL(server.url);
    const statusesOf = documentedStatuses(await (await server.api("/api/openapi.json")).json());
    const samples = fc.sample(request, { numRuns: FUZZ_REQUESTS, seed: 20261125 });
    let rejected = 0;
    let reusedAfterRejection = 0;
    let previous: { connection: number; label: string; method: string } | undefined;
    for (const sample of samples) {
      const wire = toWire(sample, base);
      const label = `${wire.method} ${wire.path} ${JSON.stringify({ ...wire, body: wire.body?.slice(0, 200) })}`;
      const before = await digest(db);
      if (previous)
        expect(await conn.serverClosed(previous.connection), `after ${previous.label}`).toBe(false);
      const res = await conn.send(wire);
      if (previous && previous.method !== "HEAD") {
        // The connection a rejection was answered on carries the next request too.
        expect(res.connection, `after ${previous.label}`).toBe(previous.connection);
        reusedAfterRejection++;
      }
      const path = wire.path.split("?")[0]!.replace(/\/$/, "");
      const upstreamFailure =
        res.status === 502 && wire.method === "POST" && /^\/api\/sync(\/runs\/[^/]+\/retry)?$/.test(path);
      expect(res.status >= 500 && !upstreamFailure, `${res.status} ${res.body.slice(0, 300)} ${label}`).toBe(
        false,
      );
      expect(res.body, label).not.toMatch(
        /\bat .+\.(ts|js|mjs):\d+|SQLITE_|drizzle|LibsqlError|Failed query/,
      );
      expect(res.headers["x-content-type-options"], label).toBe("nosniff");
      const url = new URL(wire.path, base).href;
      const answer = { method: wire.method, url, status: res.status, hostSent: sample.host !== undefined };
      expectDocumented(statusesOf, answer, `${res.status} ${label}`);
      if (res.status >= 400 && wire.method !== "HEAD") expectErrorShape(res, label);
      previous = undefined;
      if (res.status >= 400 && res.status < 500) {
        rejected++;
        expect(await digest(db), label).toBe(before);
        expect(res.headers.connection, label).not.toBe("close");
        previous = { connection: res.connection, label, method: wire.method };
      }
    }
    const last = await conn.send({ method: "GET", path: "/api/health" });
    expect(last.status).toBe(200);
    conn.close();
    // The generator must reach the rejection paths, not just wander among 200s.
    expect(rejected).toBeGreaterThan(300);
    expect(reusedAfterRejection).toBeGreaterThan(200);
  }, 300_000);
});

/** The local addresses listening on `port`, read from the kernel's socket tables (no traffic sent). */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const found: string[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state === "0A" && local?.endsWith(`:${hexPort}`)) found.push(local.split(":")[0]!);
    }
  }
  return found;
}

describe("the Node entry's listening address", () => {
  it("binds loopback only unless HOST is set, and logs the address it really has", async () => {
    const server = await startServer({ LOG_LEVEL: "info" }, "node");
    try {
      const port = Number(new URL(server.url).port);
      // 127.0.0.1 in /proc/net/tcp's little-endian hex; never 00000000 (every interface).
      expect(listeningAddresses(port)).toEqual(["0100007F"]);
      expect(server.output()).toContain(`"url":"http://127.0.0.1:${port}/"`);
    } finally {
      await server.stop();
    }
  });

  it("never logs a token given in DATABASE_URL (libSQL reads `?authToken=` from it)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tasksync-e2e-"));
    const file = join(dir, "e2e.db");
    const server = await startServer({
      LOG_LEVEL: "info",
      DATABASE_URL: `file:${file}?authToken=db-s3cret-token`,
    });
    try {
      expect(server.output()).toContain(`"database":"file:${file}"`);
      expect(server.output()).not.toContain("db-s3cret-token");
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
