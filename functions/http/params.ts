// Shared request parameter schemas: ids in paths and ISO 8601 instants in queries.
import { z } from "@hono/zod-openapi";

/** A path id: decimal digits only (no `0x1`, `1e0`, `+1`, `1.0`, which Number() would all accept), ≥ 1. */
export const idParam = () =>
  z
    .string()
    .regex(/^[0-9]{1,15}$/, "id must be a positive integer")
    .transform(Number)
    .pipe(z.number().int().positive())
    .openapi({ param: { name: "id", in: "path" }, type: "integer", example: 1 });

const dateTime = z.iso.datetime({ offset: true, local: true });
const dateOnly = z.iso.date();

/** Fractional seconds past the millisecond that are not all zeros: Date drops them. */
const finerThanMs = (text: string) => /\.\d{3}\d*[1-9]/.test(text);

/**
 * zod checks the form (and the calendar: no Feb 30); a date-time without a zone means UTC, as a date does.
 * `roundUp`: a time between two milliseconds becomes the later one, not the earlier (see isoInstant).
 */
function toUtc(text: string, roundUp: boolean): string {
  const zoned = dateOnly.safeParse(text).success || /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i.test(text);
  const ms = new Date(zoned ? text : `${text}Z`).getTime();
  return new Date(roundUp && finerThanMs(text) ? ms + 1 : ms).toISOString();
}

/**
 * An ISO 8601 date or date-time, turned into the stored form (UTC, milliseconds); years 1–9999. `roundUp` for an
 * exclusive upper bound: a stored time is earlier than 00:00:00.0005 when it is earlier than 00:00:00.001.
 */
export const isoInstant = (name: string, roundUp = false) =>
  z
    .string()
    .max(64)
    .pipe(
      z.union([dateTime, dateOnly], {
        error: `${name} must be an ISO 8601 date or date-time, e.g. 2025-01-31T12:00:00Z`,
      }),
    )
    .transform((text, ctx) => {
      const iso = toUtc(text, roundUp);
      const year = Number(iso.slice(0, 4));
      if (!iso.startsWith("-") && !iso.startsWith("+") && year >= 1) return iso;
      ctx.addIssue({ code: "custom", message: `${name} is outside the years 1 to 9999` });
      return z.NEVER;
    });
