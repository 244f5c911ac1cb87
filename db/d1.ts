// Builds the Db over a D1 binding (Workers); called per request, never held at module level.
import { drizzle } from "drizzle-orm/d1";
import type { Db } from "./client";
import * as schema from "./schema";

type BatchQuery = {
  _prepare(): {
    getQuery(): { sql: string; params: unknown[] };
    mapResult(result: unknown, isFromBatch: boolean): unknown;
  };
};

export function createD1Db(binding: D1Database): Db {
  const db = drizzle(binding, { schema });
  // drizzle-orm 0.45's D1 batch calls `stmt.bind` on raw sql`` queries, which have no prepared statement
  // ("Cannot read properties of undefined (reading 'bind')"), so each query is bound here instead.
  const batch = async (queries: readonly BatchQuery[]) => {
    const prepared = queries.map((q) => q._prepare());
    const statements = prepared.map((p) => {
      const { sql, params } = p.getQuery();
      return binding.prepare(sql).bind(...params);
    });
    const results = await binding.batch(statements);
    return results.map((result, i) => prepared[i]!.mapResult(result, true));
  };
  return Object.assign(db, { batch }) as unknown as Db;
}
