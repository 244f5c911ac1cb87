// The simulator's HTTP face (/tasks, /config, /advance), self-contained so the sync client can call it in-process.
import { Hono } from "hono";
import { ApiError, clientError, sendError } from "../http/errors";
import { parseInput } from "../http/issues";
import { readJsonBody } from "../http/json-body";
import {
  type AdvanceRequest,
  advanceSchema,
  type SimConfigPatch,
  type Simulator,
  SimulatorInputError,
  simConfigPatchSchema,
} from "./dataset";

/** A router for one simulator, to mount at /simulator; it needs nothing from the app (no db, no env). */
export function simulatorRoutes(sim: Simulator) {
  const app = new Hono({ strict: false });

  app.onError((err, c) => {
    // A caller that gave up (timeout fault, client abort) gets a rejection, as fetch would give it.
    if (c.req.raw.signal?.aborted) throw err;
    if (err instanceof SimulatorInputError) {
      return sendError(c, new ApiError("validation_error", err.message, err.details));
    }
    return sendError(c, clientError(err) ?? new ApiError("internal", "Internal simulator error"));
  });
  app.notFound((c) =>
    sendError(c, new ApiError("not_found", `No simulator route for ${c.req.method} ${c.req.path}`)),
  );

  return app
    .get("/tasks", (c) => sim.handle(c.req.raw))
    .get("/tasks/:id", (c) => {
      const record = sim.lookup(c.req.param("id"));
      if (!record) throw new ApiError("not_found", "No such task (deleted, or never issued)");
      return c.json(record);
    })
    .get("/config", (c) => c.json(sim.describe()))
    .put("/config", async (c) => {
      const patch: SimConfigPatch = parseInput(simConfigPatchSchema, (await readJsonBody(c)) ?? {});
      sim.configure(patch);
      return c.json(sim.describe());
    })
    .post("/advance", async (c) => {
      const req: AdvanceRequest = parseInput(advanceSchema, (await readJsonBody(c)) ?? {});
      return c.json(sim.advance(req));
    });
}
