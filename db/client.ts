// The database type shared by D1 and libSQL, and the factories that build it for each runtime.
import type { BatchItem, BatchResponse } from "drizzle-orm/batch";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import * as schema from "./schema";

export type DbKind = "d1" | "libsql";

// Both drivers share this query surface and an atomic `batch` (one transaction on D1 and on libSQL).
export type Db = BaseSQLiteDatabase<"async", unknown, typeof schema> & {
  batch<U extends BatchItem<"sqlite">, T extends Readonly<[U, ...U[]]>>(batch: T): Promise<BatchResponse<T>>;
};

export { schema };
