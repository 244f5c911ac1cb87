// The simulator's HTTP face (/tasks, /config, /advance), self-contained so the sync client can call it in-process.
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import {
  type AdvanceRequest,
  advanceSchema,
  type InputIssue,
  type SimConfigPatch,
  type Simulator,
  SimulatorInputError,
  simConfigPatchSchema,
} from "./dataset";

type SimErrorCode = "validation_error" | "not_found" | "unsupported_media_type" | "internal";

function fail(
  c: Context,
  status: ContentfulStatusCode,
  code: SimErrorCode,
  message: string,
  details?: unknown,
) {
  return c.json({ error: details === undefined ? { code, message } : { code, message, details } }, status);
}

/** Reads an optional JSON body: empty means `{}`; anything else must be declared and parse as JSON. */
async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    throw new BodyError(415, "unsupported_media_type", "Send the body as application/json");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new BodyError(400, "validation_error", "The body is not valid JSON");
  }
}

class BodyError extends Error {
  constructor(
    readonly status: 400 | 415,
    readonly code: SimErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const details: InputIssue[] = result.error.issues.map((i) => ({
    field: i.path.join(".") || "(root)",
    message: i.message,
  }));
  const fields = [...new Set(details.map((d) => d.field))].join(", ");
  throw new SimulatorInputError(`Invalid request: ${fields}`, details);
}

/** A router for one simulator, to mount at /simulator; it needs nothing from the app (no db, no env). */
export function simulatorRoutes(sim: Simulator) {
  const app = new Hono({ strict: false });

  app.onError((err, c) => {
    // A caller that gave up (timeout fault, client abort) gets a rejection, as fetch would give it.
    if (c.req.raw.signal?.aborted) throw err;
    if (err instanceof SimulatorInputError) return fail(c, 400, "validation_error", err.message, err.details);
    if (err instanceof BodyError) return fail(c, err.status, err.code, err.message);
    return fail(c, 500, "internal", "Internal simulator error");
  });
  app.notFound((c) => fail(c, 404, "not_found", `No simulator route for ${c.req.method} ${c.req.path}`));

  return app
    .get("/tasks", (c) => sim.handle(c.req.raw))
    .get("/tasks/:id", (c) => {
      const record = sim.lookup(c.req.param("id"));
      if (!record) return fail(c, 404, "not_found", "No such task (deleted, or never issued)");
      return c.json(record);
    })
    .get("/config", (c) => c.json(sim.describe()))
    .put("/config", async (c) => {
      const patch: SimConfigPatch = parseBody(simConfigPatchSchema, await readJson(c));
      sim.configure(patch);
      return c.json(sim.describe());
    })
    .post("/advance", async (c) => {
      const req: AdvanceRequest = parseBody(advanceSchema, await readJson(c));
      return c.json(sim.advance(req));
    });
}
