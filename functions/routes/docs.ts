// The OpenAPI 3.1 document (built from the routes' own zod schemas) and the interactive docs page.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { type AppEnv, TOKEN_SCHEMES } from "../router";

export const OPENAPI_PATH = "/api/openapi.json";
export const DOCS_PATH = "/api/docs";

// Scalar's browser bundle (@scalar/api-reference, pinned in package.json), copied into the dashboard's
// build by web/vite.config.ts, so the docs work offline and load no third-party script.
export const SCALAR_ASSET = "/docs/scalar.js";

// @scalar/hono-api-reference renders its page with an inline <script> that our CSP (rightly) blocks. This
// page is the same thing without one: the bundle above plus a same-origin script that starts it.
const DOCS_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Task Sync API</title>
    <link rel="icon" href="data:," />
  </head>
  <body>
    <p id="docs-offline" style="font-family: system-ui, sans-serif; margin: 2rem">
      The API reference viewer is part of the dashboard build (<code>npm run build:web</code>); without
      it, read the <a href="${OPENAPI_PATH}">OpenAPI document</a> directly.
    </p>
    <div id="app"></div>
    <script src="${SCALAR_ASSET}"></script>
    <script src="${DOCS_PATH}/init.js"></script>
  </body>
</html>
`;

// Without the built bundle `Scalar` is missing: the note stays.
const DOCS_INIT_JS = `// Starts the Scalar API reference on the document this service serves.
if (typeof Scalar !== "undefined") {
  document.getElementById("docs-offline").remove();
  Scalar.createApiReference("#app", ${JSON.stringify({
    url: OPENAPI_PATH,
    withDefaultFonts: false,
    hideClientButton: true,
    showDeveloperTools: "never",
    agent: { disabled: true },
    mcp: { disabled: true },
  })});
}
`;

/**
 * The docs page's own CSP, replacing the app-wide one on /api/docs only (mount it before secureHeaders so
 * it has the last word). Still no inline script and no third-party script. Scalar injects its stylesheets as <style> elements at run time, so styles need 'unsafe-inline'
 * here — a page that renders no user content and runs no inline script risks little by it.
 */
export const docsContentSecurityPolicy: MiddlewareHandler = async (c, next) => {
  await next();
  c.res.headers.set(
    "Content-Security-Policy",
    [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "font-src 'self' data:",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
      "form-action 'self'",
    ].join("; "),
  );
};

/** Serves the OpenAPI document of every route registered on `app` (call it after mounting them) and the docs. */
export function mountDocs(app: OpenAPIHono<AppEnv>) {
  for (const [name, description] of Object.entries(TOKEN_SCHEMES)) {
    app.openAPIRegistry.registerComponent("securitySchemes", name, {
      type: "http",
      scheme: "bearer",
      description,
    });
  }
  app.doc31(OPENAPI_PATH, {
    openapi: "3.1.0",
    info: {
      title: "Task Sync API",
      version: "1.0.0",
      description:
        "Mirrors tasks from an upstream task system. Errors always have the shape " +
        '`{"error": {"code", "message", "details"?}}`. Every path also answers with a trailing slash.',
    },
    tags: [
      { name: "sync", description: "Run a sync, follow it, see its history and retry it" },
      { name: "tasks", description: "The synced tasks: list, export, delete and restore" },
      { name: "health", description: "Liveness and database check" },
    ],
  });
  app.get(DOCS_PATH, (c) => c.html(DOCS_HTML));
  app.get(`${DOCS_PATH}/init.js`, (c) =>
    c.body(DOCS_INIT_JS, 200, {
      "Content-Type": "text/javascript; charset=utf-8",
      "Cache-Control": "no-cache",
    }),
  );
}
