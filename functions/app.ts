// createApp(deps): the one Hono app both runtimes serve. Entries build deps; everything else starts here.
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { methodNotAllowed } from "hono/method-not-allowed";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { databaseFault } from "../db/database-faults";
import { ApiError, databaseFaultError, type ErrorCode } from "./errors";
import { type AppDeps, createRouter, resolveDeps } from "./router";
import { DOCS_PATH, docsContentSecurityPolicy, mountDocs } from "./routes/docs";
import { healthRoutes } from "./routes/health";
import { syncRoutes } from "./routes/sync";
import { taskRoutes } from "./routes/tasks";
import { requestGuard } from "./security";
import { simulatorRoutes } from "./simulator/routes";

export const MAX_BODY_BYTES = 64 * 1024;

const HTTP_CODES: Record<number, ErrorCode> = {
  400: "validation_error",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

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
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ApiError("payload_too_large", `Request body is larger than ${MAX_BODY_BYTES} bytes`);
      },
    }),
  );
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
          {
            allowed,
          },
        );
      },
    }),
  );

  const routes = app
    .route("/api", healthRoutes())
    .route("/api/sync", syncRoutes())
    .route("/api/tasks", taskRoutes());
  // The simulator exists only when no real upstream is configured.
  if (deps.simulator) app.route("/simulator", simulatorRoutes(deps.simulator));
  mountDocs(app);

  if (deps.web) app.use("*", deps.web);

  app.notFound((c) => {
    const err = new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}`);
    return c.json(err.body(), err.status);
  });
  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(err.body(), err.status);
    // Hono's own 4xx (a validator's malformed JSON, a content-type gate) in our error shape, not a 500.
    if (err instanceof HTTPException && err.status < 500) {
      const code = HTTP_CODES[err.status] ?? "validation_error";
      const mapped = new ApiError(code, err.message || "Bad request");
      return c.json(mapped.body(), mapped.status);
    }
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
      {
        request_id: c.get("requestId"),
      },
    );
    return c.json(internal.body(), internal.status);
  });
  return routes;
}

export type App = ReturnType<typeof createApp>;
export type AppType = App;
