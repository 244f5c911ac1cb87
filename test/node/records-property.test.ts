// Whatever JSON an upstream sends as a record, classifying it never throws (one record that throws fails its page
// on every retry) and yields only what the database can store as sent: a canonical UTC time, a trimmed title of
// at most 500 characters, an id kept exactly; or an invalid record with a bounded excerpt and a reason.
import fc from "fast-check";
import { expect, it } from "vitest";
import type { InvalidRecord, LiveRecord, Tombstone } from "../../functions/upstreams/adapter";
import { classifyItem } from "../../functions/upstreams/github/issue";
import {
  classifyRecord,
  isFaithfulText,
  isoTime,
  MAX_ID_LENGTH,
  MAX_TITLE_LENGTH,
} from "../../functions/upstreams/records";

const CANONICAL_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const mapping = { repo: { owner: "acme", name: "widgets" }, inProgressLabel: "in progress" };

/** A valid record of either upstream, each field kept or replaced by any JSON or any string. */
const VALID = {
  id: "a",
  title: "Task",
  status: "todo",
  updated_at: "2026-01-01T00:00:00+02:00",
  deleted: false,
  number: 1,
  state: "open",
  labels: ["in progress"],
  html_url: "https://github.com/acme/widgets/issues/1",
};
const field = (value: unknown) =>
  fc.oneof(fc.constant(value), fc.jsonValue(), fc.string({ unit: "binary", maxLength: 600 }));
const pad = (n: number, width = 2) => String(n).padStart(width, "0");
/** Valid ISO 8601 times of any year zod accepts, with or without milliseconds, in UTC or at any offset. */
const anyTime = fc
  .record({
    // The range's ends half the time: an offset can carry them past it.
    year: fc.oneof(fc.constantFrom(0, 9999), fc.integer({ min: 0, max: 9999 })),
    month: fc.oneof(fc.constantFrom(1, 12), fc.integer({ min: 1, max: 12 })),
    day: fc.oneof(fc.constantFrom(1, 28), fc.integer({ min: 1, max: 28 })),
    seconds: fc.oneof(fc.constantFrom(0, 86_399), fc.integer({ min: 0, max: 86_399 })),
    ms: fc.option(fc.integer({ min: 0, max: 999 })),
    offset: fc.option(fc.integer({ min: -1439, max: 1439 })),
  })
  .map(({ year, month, day, seconds, ms, offset }) => {
    const clock = `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
    const zone =
      offset === null
        ? "Z"
        : `${offset < 0 ? "-" : "+"}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
    return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${clock}${ms === null ? "" : `.${pad(ms, 3)}`}${zone}`;
  });
const fields = Object.fromEntries(Object.entries(VALID).map(([k, v]) => [k, field(v)]));
fields.updated_at = fc.oneof(field(VALID.updated_at), anyTime);
const anyRecord = fc.oneof(fc.jsonValue(), fc.record(fields, { requiredKeys: [] }));

function expectStorable(out: LiveRecord | Tombstone | InvalidRecord) {
  if ("reason" in out) {
    expect(out.raw.length).toBeLessThanOrEqual(2001);
    expect(out.reason.length).toBeGreaterThan(0);
    return;
  }
  expect(out.updated_at).toMatch(CANONICAL_TIME);
  expect(isFaithfulText(out.id) && out.id.length <= MAX_ID_LENGTH).toBe(true);
  if (out.deleted) return;
  expect(out.title).toBe(out.title.trim());
  expect(out.title.length).toBeGreaterThan(0);
  expect(out.title.length).toBeLessThanOrEqual(MAX_TITLE_LENGTH);
  expect(isFaithfulText(out.title)).toBe(true);
}

it("any valid ISO 8601 time is stored in the canonical UTC form, or refused with a reason", () => {
  fc.assert(
    fc.property(anyTime, (time) => {
      const parsed = isoTime.safeParse(time);
      if (parsed.success) expect(parsed.data).toMatch(CANONICAL_TIME);
      else expect(parsed.error.issues[0]?.message).toBe("time falls outside the years 0000 to 9999 in UTC");
    }),
    { numRuns: 3000 },
  );
});

it("the HTTP contract's records: any JSON is classified, never thrown, and what is kept is storable", () => {
  fc.assert(
    fc.property(anyRecord, (record) => expectStorable(classifyRecord(JSON.parse(JSON.stringify(record))))),
    { numRuns: 3000 },
  );
});

it("GitHub's issues: any JSON is classified, never thrown, and what is kept is storable", () => {
  fc.assert(
    fc.property(anyRecord, (item) => {
      const out = classifyItem(JSON.parse(JSON.stringify(item)), mapping);
      if (out.kind === "live") expect(out.record.id).toMatch(/^acme\/widgets#\d+$/);
      if (out.kind !== "pull_request") expectStorable(out.record);
    }),
    { numRuns: 3000 },
  );
});
