// GET /api/health: which database this instance uses and whether it answers.
import { createRoute, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { createRouter } from "../router";

const HealthSchema = z
  .object({
    status: z.enum(["ok", "degraded"]),
    database: z.object({ kind: z.enum(["d1", "libsql"]), ok: z.boolean(), latency_ms: z.number() }),
    time: z.string(),
  })
  .openapi("Health");

const route = createRoute({
  method: "get",
  path: "/health",
  tags: ["health"],
  summary: "Liveness and database check",
  responses: {
    200: {
      description: "Service and database answer",
      content: { "application/json": { schema: HealthSchema } },
    },
    503: {
      description: "Database does not answer",
      content: { "application/json": { schema: HealthSchema } },
    },
  },
});

export function healthRoutes() {
  return createRouter().openapi(route, async (c) => {
    const { dbKind, clock } = c.get("deps");
    const started = performance.now();
    let ok = true;
    try {
      await c.get("db").run(sql`select 1`);
    } catch {
      ok = false;
    }
    const body = {
      status: ok ? ("ok" as const) : ("degraded" as const),
      database: { kind: dbKind, ok, latency_ms: Math.round((performance.now() - started) * 100) / 100 },
      time: clock().toISOString(),
    };
    return ok ? c.json(body, 200) : c.json(body, 503);
  });
}
