// Hostile requests to every route, as fast-check arbitraries, shared by the in-process fuzz (libSQL) and the
// fuzz over real HTTP on both runtimes (test/e2e/hostile.test.ts); and the checks every answer must pass.
import { sql } from "drizzle-orm";
import fc from "fast-check";
import type { Db } from "../../db/client";
import type { ErrorCode } from "../../functions/http/errors";

export const TOKEN = "fuzz-token-0123456789abcdef";

export const ERROR_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "validation_error",
  "unauthorized",
  "forbidden",
  "not_found",
  "method_not_allowed",
  "sync_in_progress",
  "not_retryable",
  "payload_too_large",
  "unsupported_media_type",
  "upstream_failed",
  "internal",
]);

// Every route the service has (simulator included); `{id}` is filled by the generator.
const ROUTES: readonly [string, string][] = [
  ["GET", "/api/health"],
  ["GET", "/api/tasks"],
  ["GET", "/api/tasks/export.csv"],
  ["GET", "/api/tasks/{id}"],
  ["DELETE", "/api/tasks/{id}"],
  ["POST", "/api/tasks/{id}/restore"],
  ["POST", "/api/sync"],
  ["GET", "/api/sync/status"],
  ["GET", "/api/sync/runs"],
  ["GET", "/api/sync/runs/{id}"],
  ["GET", "/api/metrics"],
  ["POST", "/api/sync/runs/{id}/retry"],
  ["GET", "/api/openapi.json"],
  ["GET", "/api/docs"],
  ["GET", "/simulator/config"],
  ["PUT", "/simulator/config"],
  ["POST", "/simulator/advance"],
  ["GET", "/simulator/tasks"],
];

const HOSTILE = [
  "' OR 1=1 --",
  "'; DROP TABLE tasks; --",
  '" OR ""="',
  "1; DELETE FROM sync_runs",
  "<script>alert(1)</script>",
  '"><img src=x onerror=alert(1)>',
  "%",
  "_",
  "\\",
  "%00",
  "\u0000",
  "../../etc/passwd",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, literally.
  "${7*7}",
  "{{7*7}}",
  "NaN",
  "Infinity",
  "-1",
  "0",
  "1e309",
  "99999999999999999999999",
  "🙂",
  "\uD800",
  " ",
  "null",
  "true",
  "[]",
  "{}",
  "a".repeat(3000),
  "2025-01-01",
  "2025-13-45T99:99:99Z",
  "todo",
  "todo,done",
  "todo,,",
  "-updated_at",
  "title",
  "include",
  "only",
  "full",
  "incremental",
  "WyItdXBkYXRlZF9hdCIsIjIwMjUiLDFd",
  "WyJ0aXRsZSIsMSwxXQ",
];

const PARAM_NAMES = [
  "status",
  "search",
  "q",
  "updated_after",
  "updated_before",
  "deleted",
  "sort",
  "limit",
  "cursor",
  "mode",
  "updated_since",
  "id",
];

const text = fc.oneof(
  fc.constantFrom(...HOSTILE),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.integer().map(String),
);

const query = fc.dictionary(fc.oneof(fc.constantFrom(...PARAM_NAMES), fc.string({ maxLength: 8 })), text, {
  maxKeys: 5,
});

/** A lone surrogate cannot be percent-encoded as UTF-8; send the bytes a careless client would. */
function encodePathSegment(text: string): string {
  return encodeURIComponent(text.replace(/[\uD800-\uDFFF]/g, "\uFFFD")).replace(/%EF%BF%BD/g, "%ED%A0%80");
}

const id = fc.oneof(
  fc.integer({ min: 1, max: 30 }).map(String),
  fc.integer().map(String),
  text.map(encodePathSegment),
  fc.constantFrom("%", "%zz", "..", "%2e%2e", "%2F", "1%20", "0x10", "1.0", "+1"),
);

// Values for the fields routes know: mostly invalid, a few small valid ones so accepted paths run too.
const fieldValue = fc.oneof(
  fc.constantFrom(0, 1, 2, 0.5, -1, 1e9, 1e308, "1", null, true, [], {}, "full", "incremental", "timeout"),
  text,
);
const knownBody = fc
  .dictionary(
    fc.constantFrom(
      "mode",
      "updates",
      "creates",
      "deletes",
      "failure_rate",
      "total",
      "latency_ms",
      "seed",
      "fail_next",
      "failure_kinds",
      "retry_after_s",
    ),
    fieldValue,
    { maxKeys: 3 },
  )
  .map((o) => JSON.stringify(o));

const body = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: knownBody },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: text },
  {
    weight: 1,
    arbitrary: fc.constantFrom('{"mode":', "{'mode': 'full'}", "\uFEFF{}", "   ", "mode=full&x=1"),
  },
  { weight: 1, arbitrary: fc.constant(JSON.stringify({ pad: "x".repeat(70 * 1024) })) },
);

const contentType = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(undefined, "application/json", "application/json; charset=utf-8") },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "APPLICATION/JSON",
      "application/vnd.api+json",
      "application/json;",
      "text/plain",
      "text/html",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/xml",
      "*/*",
      "",
      "<script>",
    ),
  },
);

export const request = fc.record({
  route: fc.constantFrom(...ROUTES),
  method: fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS") },
  ),
  id,
  trailingSlash: fc.boolean(),
  query,
  body,
  contentType,
  origin: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(undefined, "http://localhost") },
    {
      weight: 1,
      arbitrary: fc.constantFrom("https://evil.example", "null", "http://localhost.evil.example"),
    },
  ),
  fetchSite: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(undefined, "same-origin", "none") },
    { weight: 1, arbitrary: fc.constantFrom("cross-site", "same-site") },
  ),
  authorization: fc.constantFrom(
    undefined,
    `Bearer ${TOKEN}`,
    "Bearer wrong",
    "Basic Zm9vOmJhcg==",
    `Bearer ${TOKEN} x`,
  ),
  extraHeader: fc.option(
    fc.tuple(fc.constantFrom("x-forwarded-host", "x-forwarded-proto", "x-csrftoken", "accept"), text),
  ),
  // DNS rebinding: the page's own host, which the service must refuse (undefined: the service's own).
  host: fc.oneof(
    { weight: 8, arbitrary: fc.constant(undefined) },
    {
      weight: 1,
      arbitrary: fc.constantFrom("evil.example", "localhost.evil.example:8787", "127.0.0.1.nip.io", "[::2]"),
    },
  ),
  // Over a real connection, a body may come with Content-Length or chunked.
  chunked: fc.boolean(),
});

export type Req = typeof request extends fc.Arbitrary<infer T> ? T : never;

/** Everything a request could change, to prove a rejected one changed nothing. */
export async function digest(db: Db): Promise<string> {
  const [tasks, runs, errors, lock] = await Promise.all([
    db.all(sql`select * from tasks order by id`),
    db.all(sql`select * from sync_runs order by id`),
    db.all(sql`select * from sync_errors order by id`),
    db.all(sql`select * from sync_lock`),
  ]);
  return JSON.stringify({ tasks, runs, errors, lock });
}

export function toRequest(r: Req): { method: string; url: string; init: RequestInit } {
  const [routeMethod, template] = r.route;
  const method = r.method ?? routeMethod;
  let path = template.replace("{id}", r.id) + (r.trailingSlash ? "/" : "");
  const qs = new URLSearchParams(Object.entries(r.query)).toString();
  if (qs) path += `?${qs}`;
  const headers = new Headers();
  if (r.contentType !== undefined) headers.set("content-type", r.contentType);
  if (r.origin) headers.set("origin", r.origin);
  if (r.fetchSite) headers.set("sec-fetch-site", r.fetchSite);
  if (r.authorization) headers.set("authorization", r.authorization);
  if (r.host !== undefined) headers.set("host", r.host);
  if (r.extraHeader) {
    try {
      headers.set(r.extraHeader[0], r.extraHeader[1]);
    } catch {
      // A value a client could not send (e.g. a newline) is not a request at all.
    }
  }
  const canHaveBody = method !== "GET" && method !== "HEAD";
  return {
    method,
    url: `http://localhost${path}`,
    init: { method, headers, body: canHaveBody ? r.body : undefined },
  };
}

/** A request as it goes over a real connection to `base` (its own origin and host stand in for localhost). */
export type WireRequest = {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  chunked: boolean;
};

// What node:http lets a client put in a header value (a newline or a code point above U+00FF is refused).
const SENDABLE = /^[\t\x20-\x7e\x80-\xff]*$/;

export function toWire(r: Req, base: URL): WireRequest {
  const { method, url, init } = toRequest(r);
  const headers: Record<string, string> = {};
  (init.headers as Headers).forEach((value, name) => {
    if (SENDABLE.test(value)) headers[name] = value;
  });
  if (headers.origin === "http://localhost") headers.origin = base.origin;
  if (r.host === undefined) headers.host = base.host;
  const { pathname, search } = new URL(url);
  return {
    method,
    path: pathname + search,
    headers,
    body: init.body as string | undefined,
    chunked: r.chunked,
  };
}
