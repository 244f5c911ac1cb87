// Cloudflare Workers entry: wires D1, config from vars and the scheduled handler into the one app.
import { createD1Db } from "../db/d1";
import { createApp } from "./app";
import { parseConfig } from "./config";
import { createLogger } from "./logger";

type Env = { DB: D1Database; ASSETS: Fetcher } & Record<string, unknown>;

// Config is parsed once per isolate; the database is built per request from the binding.
let app: ReturnType<typeof createApp> | undefined;
function appFor(env: Env) {
  if (!app) {
    const config = parseConfig(env);
    app = createApp({
      config,
      dbKind: "d1",
      db: (e) => createD1Db((e as Env).DB),
      logger: createLogger(config.LOG_LEVEL),
    });
  }
  return app;
}

export default {
  fetch(request, env, ctx) {
    return appFor(env).fetch(request, env, ctx);
  },
  async scheduled(controller, env) {
    const config = parseConfig(env);
    createLogger(config.LOG_LEVEL).info("scheduled tick", {
      cron: controller.cron,
      at: new Date(controller.scheduledTime).toISOString(),
    });
  },
} satisfies ExportedHandler<Env>;
