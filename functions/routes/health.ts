// GET /api/health: which database this instance uses, and whether it answers reads and accepts writes.
import { createRoute, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { type DatabaseFaultKind, databaseFault, FAULT_MESSAGES } from "../../db/database-faults";
import { probeWrite } from "../../db/health";
import { createRouter } from "../router";

// A health check answers within this even when a write would wait longer for a lock.
const PROBE_TIMEOUT_MS = 2000;

const FAULTS = ["busy", "full", "readonly", "cantopen", "corrupt", "ioerr", "unknown"] as const;

const HealthSchema = z
  .object({
    status: z.enum(["ok", "degraded"]),
    database: z.object({
      kind: z.enum(["d1", "libsql"]),
      ok: z.boolean().openapi({ description: "Reads answer and writes are accepted" }),
      readable: z.boolean(),
      writable: z.boolean().openapi({ description: "A no-op write took the write lock just now" }),
      fault: z.enum(FAULTS).optional(),
      problem: z.string().optional().openapi({ description: "What is wrong, for an operator" }),
      latency_ms: z.number(),
    }),
    time: z.string(),
  })
  .openapi("Health");

const route = createRoute({
  method: "get",
  path: "/health",
  tags: ["health"],
  summary: "Liveness, and whether the database answers reads and accepts writes",
  responses: {
    200: {
      description: "Service and database answer, and the database accepts writes",
      content: { "application/json": { schema: HealthSchema } },
    },
    503: {
      description: "The database does not answer, or refuses writes (locked, full, read-only)",
      content: { "application/json": { schema: HealthSchema } },
    },
  },
});

type Check = { ok: true } | { ok: false; fault: (typeof FAULTS)[number]; problem: string };

async function check(run: () => Promise<unknown>): Promise<Check> {
  try {
    await run();
    return { ok: true };
  } catch (err) {
    const fault: DatabaseFaultKind | undefined = databaseFault(err);
    const detail = String((err as Error)?.message ?? err).split("\n")[0];
    return { ok: false, fault: fault ?? "unknown", problem: fault ? FAULT_MESSAGES[fault] : detail };
  }
}

// One probe at a time per database: polls from many tabs share it instead of queueing writes behind a lock.
const inFlight = new WeakMap<Db, Promise<Check>>();

function probeWrites(db: Db): Promise<Check> {
  let probe = inFlight.get(db);
  if (!probe) {
    probe = check(() => probeWrite(db)).finally(() => inFlight.delete(db));
    inFlight.set(db, probe);
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<Check>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          ok: false,
          fault: "busy",
          problem: `${FAULT_MESSAGES.busy}: no write lock within ${PROBE_TIMEOUT_MS / 1000} s`,
        }),
      PROBE_TIMEOUT_MS,
    );
  });
  return Promise.race([probe, timedOut]).finally(() => clearTimeout(timer));
}

export function healthRoutes() {
  return createRouter().openapi(route, async (c) => {
    const { dbKind, clock } = c.get("deps");
    const db = c.get("db");
    const started = performance.now();
    const read = await check(() => db.run(sql`select 1`));
    const write = read.ok ? await probeWrites(db) : read;
    const failed = !read.ok ? read : !write.ok ? write : undefined;
    const body = {
      status: failed ? ("degraded" as const) : ("ok" as const),
      database: {
        kind: dbKind,
        ok: !failed,
        readable: read.ok,
        writable: write.ok,
        ...(failed ? { fault: failed.fault, problem: failed.problem } : {}),
        latency_ms: Math.round((performance.now() - started) * 100) / 100,
      },
      time: clock().toISOString(),
    };
    return failed ? c.json(body, 503) : c.json(body, 200);
  });
}
