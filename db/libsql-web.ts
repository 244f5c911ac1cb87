// Builds the Db over a remote libSQL/Turso database through its HTTP API (Workers with DATABASE_URL set).
// Migrations are not applied here: run them once against the database, e.g. by starting the Node entry
// with the same DATABASE_URL (it migrates at boot).
import { createClient } from "@libsql/client/web";
import { drizzle } from "drizzle-orm/libsql/web";
import type { Db } from "./client";
import * as schema from "./schema";

export function createLibsqlWebDb(url: string, authToken?: string): Db {
  return drizzle({ client: createClient({ url, authToken }), schema }) as unknown as Db;
}
