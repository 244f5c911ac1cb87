// Title search: the exact substring test, and the trigram index query that narrows the rows it runs on.
import { type SQL, type SQLChunk, sql } from "drizzle-orm";

/** FTS5's trigram tokenizer indexes runs of 3 characters; a shorter search cannot use it and scans instead. */
export const TRIGRAM_LENGTH = 3;

/** How titleContains tests a search: `needle` is what the title must contain, `folded` whether both are lowered. */
export type TitleTest = { folded: boolean; needle: string };

/**
 * The exact test for `search`: the title contains it, ignoring ASCII case, every character literal. SQLite's
 * `lower()` folds ASCII only, as `LIKE` does, so this answers what `title LIKE '%search%'` meant, with no wildcards
 * to escape and no pattern-length limit (D1 refuses LIKE patterns over 50 bytes). A search without ASCII letters
 * has no case to fold: it skips `lower()`, which copies every title it tests (measured: a third of the cost).
 */
export function titleTest(search: string): TitleTest {
  if (!/[A-Za-z]/.test(search)) return { folded: false, needle: search };
  return { folded: true, needle: search.replace(/[A-Z]/g, (ch) => ch.toLowerCase()) };
}

/** The SQL of a TitleTest, looking for `needle` (its value, or the slot it is bound to). */
export function titleContains(folded: boolean, needle: SQLChunk): SQL {
  return folded ? sql`instr(lower(tasks.title), ${needle}) > 0` : sql`instr(tasks.title, ${needle}) > 0`;
}

/** Code points, not UTF-16 units: the tokenizer counts characters, and an emoji is one. */
const codePoints = (text: string) => Array.from(text);

/** Trigrams looked up per search: each costs a merge of its whole posting list (common trigrams have many). */
const MAX_TRIGRAMS = 3;

/**
 * An FTS5 query for `tasks_title_fts` whose matches include every title containing `search`, or undefined when
 * the search is too short for trigrams. Each trigram is a quoted string (FTS5 syntax has no other escape), and
 * the trigrams are ANDed: with `detail=none` the index knows which rows hold a trigram, not where, so a match
 * is only a candidate and titleContains() decides. Three trigrams (the first, the last, one between) narrow the
 * candidates nearly as well as all of them: any subset is correct, and each one more costs its posting list.
 */
export function trigramQuery(search: string): string | undefined {
  const chars = codePoints(search);
  if (chars.length < TRIGRAM_LENGTH) return undefined;
  const last = chars.length - TRIGRAM_LENGTH;
  const starts = [0, Math.floor(last / 2), last].slice(0, MAX_TRIGRAMS);
  const grams = new Set<string>();
  for (const i of starts) grams.add(chars.slice(i, i + TRIGRAM_LENGTH).join(""));
  // FTS5's query parser stops at a NUL; such a trigram is left out (the exact test still sees the whole search).
  for (const gram of grams) if (gram.includes("\u0000")) grams.delete(gram);
  if (grams.size === 0) return undefined;
  return [...grams].map((gram) => `"${gram.replaceAll('"', '""')}"`).join(" AND ");
}
