// Builds the Db over a D1 binding (Workers); called per request, never held at module level.
import { drizzle } from "drizzle-orm/d1";
import type { Db } from "./client";
import * as schema from "./schema";

export function createD1Db(binding: D1Database): Db {
  return drizzle(binding, { schema }) as unknown as Db;
}
