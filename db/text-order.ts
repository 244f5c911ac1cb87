// SQLite's BINARY collation in JavaScript, for putting rows SQLite chose back into the order SQLite sorts them in.

/**
 * A UTF-16 unit's rank in code point order: surrogates (which encode U+10000 and above) rank after U+E000–U+FFFF.
 * Comparing first differing units by rank orders strings by code point, which is the order of their UTF-8 bytes.
 */
const rank = (unit: number) => (unit < 0xd800 ? unit : unit < 0xe000 ? unit + 0x2000 : unit - 0x800);

/**
 * Orders two texts as SQLite's BINARY collation does (memcmp of their UTF-8 bytes, a prefix first). JavaScript's
 * own `<` compares UTF-16 units, which puts an emoji before U+E000–U+FFFF, where SQLite puts it after.
 */
export function compareText(a: string, b: string): number {
  const shorter = Math.min(a.length, b.length);
  for (let i = 0; i < shorter; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
}
