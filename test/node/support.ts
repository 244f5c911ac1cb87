// Builds the app over a fresh in-memory libSQL database with the real migrations, for one test.
import type { Db } from "../../db/client";
import { createLibsqlDb } from "../../db/libsql";
import { buildHarness, type Harness, type HarnessOptions } from "../shared/harness";

export async function createTestDb(): Promise<Db> {
  const { db } = await createLibsqlDb(":memory:");
  return db;
}

export async function createTestApp(options: HarnessOptions = {}): Promise<Harness> {
  return buildHarness(await createTestDb(), "libsql", options);
}
