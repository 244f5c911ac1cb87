import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { slot, statementCache } from "../../db/compiled-statement";
import { createTestDb } from "./support";

describe("statementCache", () => {
  it("builds a shape's statement once and binds each call's own values", async () => {
    const db = await createTestDb();
    const statements = statementCache(4);
    let builds = 0;
    const build = () => {
      builds++;
      return sql`select ${slot("a")} as a, ${7} as fixed, ${slot("b")} as b`;
    };
    expect(await db.all(statements("pair", build, { a: "x", b: 1 }))).toEqual([{ a: "x", fixed: 7, b: 1 }]);
    expect(await db.all(statements("pair", build, { a: "y", b: 2 }))).toEqual([{ a: "y", fixed: 7, b: 2 }]);
    expect(builds).toBe(1);
  });

  it("drops the oldest shape past its capacity", () => {
    const statements = statementCache(2);
    let builds = 0;
    const build = () => {
      builds++;
      return sql`select 1`;
    };
    for (const shape of ["a", "b", "c", "a"]) statements(shape, build, {});
    expect(builds).toBe(4);
  });

  it("refuses a literal question mark in the text, and a slot with no value", () => {
    const statements = statementCache(2);
    expect(() => statements("literal", () => sql`select '?', ${slot("a")}`, { a: 1 })).toThrow(/"\?"/);
    expect(() => statements("missing", () => sql`select ${slot("a")}`, {})).toThrow(/no value .* a/);
  });
});
