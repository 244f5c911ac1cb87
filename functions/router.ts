// The app's context types and createRouter(), shared by createApp and every route module.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { Db, DbKind } from "../db/client";
import type { Config } from "./config";
import { ApiError } from "./errors";
import type { Logger } from "./logger";
import type { Simulator } from "./simulator/dataset";
import type { UpstreamFactory } from "./upstreams";

export type Clock = () => Date;

export type AppDeps = {
  config: Config;
  dbKind: DbKind;
  /** The database for this request; Workers build it from the binding in `env` per request. */
  db: (env: unknown) => Db;
  logger: Logger;
  /** Builds the upstream adapter a run talks to. */
  upstream: UpstreamFactory;
  /** Present when no UPSTREAM_URL is configured: mounted at /simulator. */
  simulator?: Simulator;
  clock?: Clock;
  sleep?: (ms: number) => Promise<void>;
  /** Test seam for the sync engine: runs after each committed page. */
  afterPage?: (runId: number, page: number) => void | Promise<void>;
  /** Serves the built dashboard for paths no API route claims (Node); Workers serve it as assets. */
  web?: MiddlewareHandler;
};

export type ResolvedDeps = AppDeps & Required<Pick<AppDeps, "clock" | "sleep">>;

export function resolveDeps(input: AppDeps): ResolvedDeps {
  return {
    ...input,
    clock: input.clock ?? (() => new Date()),
    sleep: input.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
  };
}

export type AppEnv = {
  Variables: { db: Db; deps: ResolvedDeps };
};

/** A router whose request validation failures all become the one 400 error shape. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    strict: false,
    defaultHook: (result) => {
      if (!result.success) {
        const details = result.error.issues.map((i) => ({
          field: i.path.join(".") || "(root)",
          message: i.message,
        }));
        const fields = [...new Set(details.map((d) => d.field))].join(", ");
        throw new ApiError("validation_error", `Invalid request: ${fields}`, details);
      }
    },
  });
}

/** The one error body every 4xx/5xx has, for the OpenAPI document. */
export const ErrorSchema = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }).passthrough(),
  })
  .passthrough()
  .openapi("Error");

export const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorSchema } },
});
