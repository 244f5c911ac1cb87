// createApp(deps): the one Hono app both runtimes serve. Entries build deps; everything else starts here.
import { bodyLimit } from "hono/body-limit";
import { methodNotAllowed } from "hono/method-not-allowed";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { ApiError } from "./errors";
import { type AppDeps, createRouter, resolveDeps } from "./router";
import { healthRoutes } from "./routes/health";
import { syncRoutes } from "./routes/sync";
import { simulatorRoutes } from "./simulator/routes";

export const MAX_BODY_BYTES = 64 * 1024;

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

  const routes = app.route("/api", healthRoutes()).route("/api/sync", syncRoutes());
  // The simulator exists only when no real upstream is configured.
  if (deps.simulator) app.route("/simulator", simulatorRoutes(deps.simulator));

  if (deps.web) app.use("*", deps.web);

  app.notFound((c) => {
    const err = new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}`);
    return c.json(err.body(), err.status);
  });
  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(err.body(), err.status);
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
