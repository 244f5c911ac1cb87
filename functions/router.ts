// The app's context types and createRouter(), shared by createApp and every route module.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { Db, DbKind } from "../db/client";
import type { Config } from "./config";
import { ApiError } from "./errors";
import type { Logger } from "./logger";

export type Clock = () => Date;

export type AppDeps = {
  config: Config;
  dbKind: DbKind;
  /** The database for this request; Workers build it from the binding in `env` per request. */
  db: (env: unknown) => Db;
  logger: Logger;
  clock?: Clock;
  /** Serves the built dashboard for paths no API route claims (Node); Workers serve it as assets. */
  web?: MiddlewareHandler;
};

export type AppEnv = {
  Variables: { db: Db; deps: Required<Omit<AppDeps, "web">> & Pick<AppDeps, "web"> };
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
