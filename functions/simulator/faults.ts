// What goes wrong with one GET /tasks: the query read from the URL, then the faults drawn for the request
// (a scripted or random failure, a rate limit, a hang, a body cut short, records repeated within or across pages)
// and the responses they answer with. Plain functions: Simulator.handle applies them to its listing.
import type { SimStats, UpstreamPage, UpstreamRecord } from "./dataset";
import { errorResponse, JSON_HEADERS, jsonResponse } from "./http";
import { invalidLimit, type ListQuery } from "./listing";
import { DEFAULT_PAGE_SIZE, type ScriptedFault, type SimSettings } from "./settings";

/** GET /tasks' query. A limit that is not a number is refused here; its range is checked with the rest of the plan. */
export function listQueryOf(params: URLSearchParams): ListQuery {
  const limit = params.get("limit") || undefined;
  if (limit !== undefined && !/^\d{1,7}$/.test(limit)) throw invalidLimit();
  return {
    limit: limit === undefined ? DEFAULT_PAGE_SIZE : Number(limit),
    cursor: params.get("cursor") || undefined,
    updated_since: params.get("updated_since") || undefined,
  };
}

export type Outcome = ScriptedFault | "ok";

/**
 * One request's faults: how it ends, and whether its page repeats one of its own records (`within`, copied from
 * `pick` to `place`, fractions of the page) or the previous page's last (`cross`).
 */
export type RequestFaults = {
  outcome: Outcome;
  within: boolean;
  cross: boolean;
  pick: number;
  place: number;
};

/**
 * Draws a request's faults: the next scripted failure if there is one, else by the configured rates. `resumes`:
 * the request continues a cursor listing (only such a page can repeat the previous one's record). Duplicates take
 * slots of the page so it never exceeds `limit`, and at least one real record remains so a cursor keeps moving.
 */
export function drawFaults(
  rng: () => number,
  s: SimSettings,
  scripted: ScriptedFault | undefined,
  { resumes, limit }: { resumes: boolean; limit: number },
): RequestFaults {
  // Always draw the same number of values so one knob never shifts the choices of another.
  const [rFail, rKind, rLimit, rWithin, rCross, pick, place] = [
    rng(),
    rng(),
    rng(),
    rng(),
    rng(),
    rng(),
    rng(),
  ];
  let outcome: Outcome = "ok";
  if (scripted !== undefined) outcome = scripted;
  else if (rFail < s.failure_rate) outcome = s.failure_kinds[Math.floor(rKind * s.failure_kinds.length)];
  else if (rLimit < s.rate_limit_rate) outcome = "rate_limit";
  let cross = resumes && rCross < s.duplicate_rate;
  let within = rWithin < s.duplicate_rate;
  if (limit - Number(cross) - Number(within) < 1) within = false;
  if (limit - Number(cross) < 1) cross = false;
  return { outcome, within, cross, pick, place };
}

const COUNTER: Record<Outcome, keyof SimStats> = {
  ok: "ok",
  http_500: "http_500",
  http_503: "http_503",
  rate_limit: "rate_limited",
  timeout: "timeout",
  malformed: "malformed",
};

export function countOutcome(stats: SimStats, outcome: Outcome): void {
  stats[COUNTER[outcome]]++;
}

/** The response a failure answers with instead of the page, or undefined when the page is served. */
export function failureResponse(outcome: Outcome, s: SimSettings, date: string): Response | undefined {
  switch (outcome) {
    case "http_500":
      return errorResponse(500, "internal", "Simulated upstream failure (http_500)");
    case "http_503":
      return errorResponse(503, "unavailable", "Simulated upstream failure (http_503)");
    case "rate_limit":
      return jsonResponse(
        429,
        {
          error: { code: "rate_limited", message: `Simulated rate limit; retry after ${s.retry_after_s} s` },
        },
        { "retry-after": String(s.retry_after_s), date },
      );
    default:
      return undefined;
  }
}

/** Puts the drawn duplicates into a page listed with their slots left free; `previous` is the record `cross` repeats. */
export function addDuplicates(
  page: UpstreamPage,
  faults: RequestFaults,
  previous: UpstreamRecord | undefined,
): void {
  if (faults.within && page.data.length > 0) {
    const from = Math.floor(faults.pick * page.data.length);
    const at = from + 1 + Math.floor(faults.place * (page.data.length - from));
    page.data.splice(at, 0, { ...page.data[from] });
  }
  if (faults.cross && previous) page.data.unshift(previous);
}

/** The page's JSON cut in half: a strict prefix of a JSON object is never valid JSON (its closing brace is gone). */
export function truncatedResponse(page: UpstreamPage, date: string): Response {
  const text = JSON.stringify(page);
  return new Response(text.slice(0, Math.max(1, Math.floor(text.length / 2))), {
    status: 200,
    headers: { ...JSON_HEADERS, date },
  });
}
