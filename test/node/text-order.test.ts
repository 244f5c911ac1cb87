import { sql } from "drizzle-orm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareText } from "../../db/text-order";
import { createTestDb } from "./support";

// Characters where UTF-16 order and code point order disagree (U+E000–U+FFFF against emoji), and plain ones.
const char = fc.oneof(
  fc.constantFrom("a", "b", "A", "é", "ü", "中", "\uE000", "\uFB01", "\uFFFD", "\uFFFF", "📦", "😀", "𝔸"),
  fc
    .integer({ min: 1, max: 0x10ffff })
    .filter((cp) => cp < 0xd800 || cp > 0xdfff)
    .map((cp) => String.fromCodePoint(cp)),
);
const text = fc.array(char, { maxLength: 6 }).map((chars) => chars.join(""));

describe("compareText", () => {
  it("orders texts as SQLite's BINARY collation does", async () => {
    const db = await createTestDb();
    await fc.assert(
      fc.asyncProperty(fc.array(text, { minLength: 2, maxLength: 20 }), async (texts) => {
        const rows = await db.all<{ value: string }>(
          sql`select value from json_each(${JSON.stringify(texts)}) order by value`,
        );
        expect([...texts].sort(compareText)).toEqual(rows.map((r) => r.value));
      }),
      { numRuns: 300 },
    );
  });

  it("puts a prefix first and equal texts level", () => {
    expect(compareText("ab", "abc")).toBeLessThan(0);
    expect(compareText("abc", "abc")).toBe(0);
    expect(compareText("\uFFFF", "📦")).toBeLessThan(0);
  });
});
