// The app's context types and createRouter(), shared by createApp and every route module.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { Db, DbKind } from "../db/client";
import type { Config } from "./config";
import { MAX_BODY_BYTES } from "./http/body-limit";
import { invalidInput } from "./http/issues";
import type { Logger } from "./logger";
import type { RunLauncher } from "./runs/driver";
import type { Simulator } from "./simulator/dataset";
import type { UpstreamFactory } from "./upstreams";

export type ExecutionContextLike = { waitUntil(promise: Promise<unknown>): void };

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
  /**
   * Who drives a started run on this runtime (Workers: a Workflow when bound); unset, this process does.
   * `executionCtx` is read lazily: it exists only on Workers.
   */
  launcher?: (env: unknown, executionCtx: () => ExecutionContextLike) => RunLauncher;
  /** Test seam for the sync engine: runs after each committed page. */
  afterPage?: (runId: number, page: number) => void | Promise<void>;
  /** Host names this runtime answers to besides localhost and ALLOWED_HOSTS (Workers: `.workers.dev`). */
  hosts?: readonly string[];
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
      if (!result.success) throw invalidInput(result.error);
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

/** Bearer-token schemes of the OpenAPI document, each what a route needs when its token is set (docs.ts). */
export const TOKEN_SCHEMES = {
  bearerAuth: "Only when the service runs with API_TOKEN set; then every mutating route needs it.",
  metricsToken: "Only when the service runs with METRICS_TOKEN set; then GET /api/metrics needs it.",
} as const;

/** A route's OpenAPI `security`: open, or with `scheme`'s token set, that bearer token. */
export const openUnlessToken = (scheme: keyof typeof TOKEN_SCHEMES): Record<string, string[]>[] => [
  {},
  { [scheme]: [] },
];

/**
 * What the request guard (http/request-guard.ts) adds to every route that changes data, for its OpenAPI
 * description: the API token when set, and the guard's refusals.
 */
export const mutatingRoute = {
  security: openUnlessToken("bearerAuth"),
  responses: {
    401: errorResponse("API_TOKEN is set and the request does not carry it"),
    403: errorResponse("A cross-site browser request (its Origin or Sec-Fetch-Site)"),
    413: errorResponse(`A body over ${MAX_BODY_BYTES / 1024} KiB`),
    415: errorResponse("A body that is not JSON"),
  },
};
