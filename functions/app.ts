// createApp(deps): the one Hono app both runtimes serve. Entries build deps; everything else starts here.
import { methodNotAllowed } from "hono/method-not-allowed";
import { requestId } from "hono/request-id";
import { databaseFault } from "../db/database-faults";
import { bodyLimit, MAX_BODY_BYTES } from "./http/body-limit";
import { ApiError, clientError, databaseFaultError, sendError } from "./http/errors";
import { hostGuard, LOCAL_HOSTS } from "./http/host-guard";
import { requestGuard } from "./http/request-guard";
import { securityHeaders } from "./http/security-headers";
import { type AppDeps, createRouter, resolveDeps } from "./router";
import { DOCS_PATH, docsContentSecurityPolicy, mountDocs } from "./routes/docs";
import { healthRoutes } from "./routes/health";
import { metricsRoutes } from "./routes/metrics";
import { syncRoutes } from "./routes/sync";
import { taskRoutes } from "./routes/tasks";
import { simulatorRoutes } from "./simulator/routes";

// A refused body up to this size is read off the connection so keep-alive survives; a larger one closes it.
const DRAIN_BYTES = 4 * 1024 * 1024;

// Paths the app answers itself (JSON, never the dashboard): the dashboard owns everything else.
const API_PATH = /^\/(api|simulator)(\/|$)/;

export function createApp(input: AppDeps) {
  const deps = resolveDeps(input);
  const app = createRouter();

  app.use(requestId());
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    deps.logger.info("request", {
      request_id: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
  });
  // Before secureHeaders, so the docs page's own CSP is the one that stays (see routes/docs.ts).
  app.use(`${DOCS_PATH}/*`, docsContentSecurityPolicy);
  app.use(securityHeaders());
  // Before anything reads the request: a host we do not serve is a DNS-rebinding attempt or a mistake.
  app.use(hostGuard([...LOCAL_HOSTS, ...(deps.hosts ?? []), ...deps.config.ALLOWED_HOSTS]));
  app.use(bodyLimit({ maxBytes: MAX_BODY_BYTES, drainBytes: DRAIN_BYTES, drainMs: 2000 }));
  app.use(async (c, next) => {
    c.set("deps", deps);
    c.set("db", deps.db(c.env));
    await next();
  });
  // Origin check, optional API_TOKEN and JSON-only bodies for every mutating request.
  app.use("/api/*", requestGuard(deps.config));
  app.use("/simulator/*", requestGuard(deps.config));
  app.use(
    "/api/*",
    methodNotAllowed({
      app,
      onMethodNotAllowed: (_c, allowed) => {
        throw new ApiError(
          "method_not_allowed",
          `Method not allowed; use ${allowed.join(", ")}`,
          undefined,
          undefined,
          { allowed },
        ).withHeaders({ Allow: allowed.join(", ") });
      },
    }),
  );

  const routes = app
    .route("/api", healthRoutes())
    .route("/api", metricsRoutes())
    .route("/api/sync", syncRoutes())
    .route("/api/tasks", taskRoutes());
  // The simulator exists only when no real upstream is configured.
  if (deps.simulator) app.route("/simulator", simulatorRoutes(deps.simulator));
  mountDocs(app);

  const web = deps.web;
  // An unknown API path (or the simulator's, when a real upstream is configured) is a JSON 404, not the page.
  if (web) app.use("*", (c, next) => (API_PATH.test(c.req.path) ? next() : web(c, next)));

  app.notFound((c) => sendError(c, new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}`)));
  app.onError((err, c) => {
    const known = clientError(err);
    if (known) return sendError(c, known);
    // Locked, full or read-only database: a 503 the client can retry, never a 500 (see README, Operating it).
    const fault = databaseFault(err);
    if (fault) {
      deps.logger.warn("database fault", {
        request_id: c.get("requestId"),
        path: c.req.path,
        fault,
        error: String(err),
      });
      const { error, retryAfterSeconds } = databaseFaultError(fault);
      c.header("Retry-After", String(retryAfterSeconds));
      return c.json(error.body(), error.status);
    }
    deps.logger.error("unhandled error", {
      request_id: c.get("requestId"),
      path: c.req.path,
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    });
    const internal = new ApiError(
      "internal",
      "Internal error; see the server log for this request id",
      undefined,
      { request_id: c.get("requestId") },
    );
    return sendError(c, internal);
  });
  return routes;
}

export type App = ReturnType<typeof createApp>;
export type AppType = App;
