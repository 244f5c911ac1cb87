// Node entry: libSQL on DATABASE_URL, the built dashboard from dist/web, the cron run in-process.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { serveStatic } from "@hono/node-server/serve-static";
import { Cron } from "croner";
import { parse as parseToml } from "smol-toml";
import { createLibsqlDb, DatabaseOpenError } from "../db/libsql";
import { PROJECT_ROOT } from "../db/project-root";
import { createApp } from "./app";
import { parseConfig, upstreamKind } from "./config";
import { createLogger } from "./logger";
import { resolveDeps } from "./router";
import { runScheduledSync } from "./sync/engine";
import { syncDeps } from "./sync-deps";
import { simulatorFromConfig, upstreamFromConfig } from "./upstreams";

// The built dashboard, found from the project root like every file the service reads: any working directory will do.
const WEB_ROOT = fileURLToPath(new URL("dist/web", PROJECT_ROOT));

// The same schedule as the Workers cron trigger unless SYNC_CRON says otherwise.
const wrangler = parseToml(readFileSync(new URL("wrangler.toml", PROJECT_ROOT), "utf8")) as {
  triggers?: { crons?: string[] };
};
function configOrExit() {
  try {
    return parseConfig(process.env);
  } catch (err) {
    // A bad setting stops the start with the message naming it, not a stack trace.
    console.error((err as Error).message);
    process.exit(1);
  }
}
const env = configOrExit();
const config = { ...env, SYNC_CRON: env.SYNC_CRON ?? wrangler.triggers?.crons?.[0] };
const logger = createLogger(config.LOG_LEVEL);
const databaseUrl = config.DATABASE_URL ?? "file:.data/tasksync.db";
// DATABASE_URL as the log shows it: libSQL also takes its token in the URL (`?authToken=`, `user:password@`).
const shownUrl = databaseUrl.replace(/[?#][\s\S]*$/, "").replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/]*@/i, "$1");

/** Opens and migrates the database, or stops with one line naming the file and the problem (no stack). */
async function databaseOrExit() {
  try {
    return await createLibsqlDb(databaseUrl, {
      authToken: config.DATABASE_AUTH_TOKEN,
      // Only the default location is created; a configured one that is missing is usually an unmounted volume.
      createDirectory: config.DATABASE_URL === undefined,
      onReplace: (cause) =>
        logger.debug("database connection replaced after a lock", {
          error: String((cause as Error)?.message),
        }),
    });
  } catch (err) {
    const message =
      err instanceof DatabaseOpenError
        ? err.message
        : `Cannot use the database ${shownUrl}: ${String((err as Error)?.message ?? err)
            .split("\n")[0]!
            .replaceAll(databaseUrl, shownUrl)}`;
    console.error(message);
    process.exit(1);
  }
}
const { db, close } = await databaseOrExit();

// The simulator exists (and is mounted) only when it is the upstream.
const simulator = upstreamKind(config) === "simulator" ? simulatorFromConfig(config) : undefined;
const deps = resolveDeps({
  config,
  dbKind: "libsql",
  db: () => db,
  logger,
  upstream: upstreamFromConfig(config, simulator),
  simulator,
  web: serveStatic({ root: WEB_ROOT, rewriteRequestPath: (p) => (p.includes(".") ? p : "/index.html") }),
});
const app = createApp(deps);

const cronExpr = config.SYNC_CRON;
// `protect` skips a tick while the previous one still runs; the lease guards against other processes.
const job =
  cronExpr && cronExpr !== "off"
    ? new Cron(cronExpr, { protect: true }, async () => {
        logger.info("scheduled tick", { cron: cronExpr });
        await runScheduledSync(syncDeps(deps, db), cronExpr).catch((err: unknown) =>
          logger.error("scheduled sync crashed", { error: String(err) }),
        );
      })
    : undefined;

// Loopback unless HOST says otherwise; the log names the address the socket really has.
const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
  const host = info.family === "IPv6" ? `[${info.address}]` : info.address;
  logger.info("listening", {
    url: `http://${host}:${info.port}/`,
    database: shownUrl,
    cron: cronExpr ?? "off",
  });
});

function shutdown(signal: string) {
  logger.info("shutting down", { signal });
  job?.stop();
  server.close(() => {
    close();
    process.exit(0);
  });
  setTimeout(() => process.exit(1), 10_000).unref();
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
