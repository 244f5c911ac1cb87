// Cloudflare Workers entry: wires D1, config from vars, the upstream and the scheduled handler into the one app.
import { createD1Db } from "../db/d1";
import { createLibsqlWebDb } from "../db/libsql-web";
import { createApp } from "./app";
import { parseConfig, upstreamKind } from "./config";
import { createLogger } from "./logger";
import { type ResolvedDeps, resolveDeps } from "./router";
import { inProcessLauncher } from "./runs/driver";
import { createSyncRunWorkflow, type RunParams, tickInstanceId, workflowLauncher } from "./runs/workflow";
import { runScheduledSync } from "./sync/engine";
import { syncDeps } from "./sync-deps";
import { simulatorFromConfig, upstreamFromConfig } from "./upstreams";

type Env = { DB: D1Database; ASSETS: Fetcher; SYNC_WORKFLOW?: Workflow<RunParams> } & Record<string, unknown>;

// Config, logger and simulator live as long as the isolate (the simulator's state must survive across
// requests); the database is built per request or per tick from the binding.
let wired: { app: ReturnType<typeof createApp>; deps: ResolvedDeps } | undefined;

function wire(env: Env) {
  if (!wired) {
    const config = parseConfig(env);
    // The simulator exists (and is mounted) only when it is the upstream.
    const simulator = upstreamKind(config) === "simulator" ? simulatorFromConfig(config) : undefined;
    // DATABASE_URL selects a remote libSQL/Turso database over HTTP instead of the D1 binding.
    const { DATABASE_URL: url, DATABASE_AUTH_TOKEN: token } = config;
    const deps = resolveDeps({
      config,
      dbKind: url ? "libsql" : "d1",
      db: (e) => (url ? createLibsqlWebDb(url, token) : createD1Db((e as Env).DB)),
      logger: createLogger(config.LOG_LEVEL),
      upstream: upstreamFromConfig(config, simulator),
      simulator,
      // Runs are driven by the Workflow when it is bound; else in this invocation, kept alive by waitUntil.
      launcher: (e, executionCtx) => {
        const binding = (e as Env).SYNC_WORKFLOW;
        if (binding && config.SYNC_RUNNER === "workflow") return workflowLauncher(binding);
        return (engine, run) => {
          const driven = inProcessLauncher(engine, run);
          executionCtx().waitUntil(driven);
          return driven;
        };
      },
      // The deployed *.workers.dev name (Cloudflare routes only its own hosts here); custom domains go in ALLOWED_HOSTS.
      hosts: [".workers.dev"],
    });
    wired = { app: createApp(deps), deps };
  }
  return wired;
}

export default {
  fetch(request, env, ctx) {
    let app: ReturnType<typeof createApp>;
    try {
      app = wire(env).app;
    } catch (err) {
      // Invalid vars: say so in the one error shape (the log names each bad setting), not a runtime error page.
      console.error((err as Error).message);
      return Response.json(
        {
          error: {
            code: "internal",
            message: "The service is misconfigured; its log names the invalid settings",
          },
        },
        { status: 500 },
      );
    }
    return app.fetch(request, env, ctx);
  },
  scheduled(controller, env, ctx) {
    const { deps } = wire(env);
    deps.logger.info("scheduled tick", {
      cron: controller.cron,
      at: new Date(controller.scheduledTime).toISOString(),
    });
    if (env.SYNC_WORKFLOW) {
      // One instance per tick, named after it: a tick delivered twice runs once.
      const id = tickInstanceId(controller.scheduledTime);
      ctx.waitUntil(
        env.SYNC_WORKFLOW.create({ id, params: { cron: controller.cron } }).catch((err: unknown) => {
          if (!/already exists/i.test(String(err)))
            deps.logger.error("scheduled sync could not start", { error: String(err) });
        }),
      );
      return;
    }
    ctx.waitUntil(
      runScheduledSync(syncDeps(deps, deps.db(env)), controller.cron).catch((err: unknown) =>
        deps.logger.error("scheduled sync crashed", { error: String(err) }),
      ),
    );
  },
} satisfies ExportedHandler<Env>;

/** The Workflow class wrangler.toml binds as SYNC_WORKFLOW: it advances runs with this isolate's deps. */
export const SyncRunWorkflow = createSyncRunWorkflow<Env>((env) => {
  const { deps } = wire(env);
  return { deps: syncDeps(deps, deps.db(env)), maxWaitMs: deps.config.SYNC_MAX_WAIT_SECONDS * 1000 };
});
