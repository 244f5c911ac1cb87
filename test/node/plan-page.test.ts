import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { compareIds, contentHash } from "../../functions/sync/plan-page";
import { createTestDb } from "./support";

describe("compareIds", () => {
  it("orders ids as SQLite's BINARY collation does, also past U+FFFF", async () => {
    const ids = ["T-2", "T-10", "é", "\uFFFD", "😀", "a", "A", "T-1"];
    const db = await createTestDb();
    const rows = await db.all<{ v: string }>(
      sql.raw(`select v from (${ids.map((id) => `select '${id}' as v`).join(" union all ")}) order by v`),
    );
    expect([...ids].sort(compareIds)).toEqual(rows.map((r) => r.v));
  });
});

describe("contentHash", () => {
  it("differs when the title or the status differs, and is stable", () => {
    expect(contentHash("a", "todo")).toBe(contentHash("a", "todo"));
    expect(contentHash("a", "todo")).not.toBe(contentHash("a", "done"));
    expect(contentHash("ab", "todo")).not.toBe(contentHash("a", "btodo"));
  });
});
