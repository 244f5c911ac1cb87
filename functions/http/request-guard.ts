// Guards every mutating request: refuse cross-site browsers, require API_TOKEN when set, accept JSON bodies only.
import type { MiddlewareHandler } from "hono";
import type { Config } from "../config";
import { ApiError } from "./errors";
import { dropEmptyBody, readJsonBody } from "./json-body";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The origins this request may come from: its own URL's, and (behind a TLS-terminating proxy) the one the
 * proxy reports. A browser cannot forge X-Forwarded-* on a cross-site request without a CORS preflight,
 * which this service never grants, so trusting them here opens nothing.
 */
function ownOrigins(url: URL, headers: { get(name: string): string | null }): Set<string> {
  const origins = new Set([url.origin]);
  const proto = headers.get("x-forwarded-proto")?.split(",")[0]?.trim();
  const host = headers.get("x-forwarded-host")?.split(",")[0]?.trim() || url.host;
  if (proto === "http" || proto === "https") origins.add(`${proto}://${host}`);
  return origins;
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** Compares two secrets in time independent of where they differ (and of their lengths: digests are compared). */
export async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(given), sha256(expected)]);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Throws 401 (with `WWW-Authenticate`) unless `authorization` is `Bearer <expected>`; `message` names the token. */
export async function requireBearer(
  authorization: string | undefined,
  expected: string,
  message: string,
): Promise<void> {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? "");
  if (match && (await sameSecret(match[1]!, expected))) return;
  throw new ApiError("unauthorized", message).withHeaders({ "WWW-Authenticate": 'Bearer realm="task-sync"' });
}

/**
 * Middleware for /api/* and /simulator/*; reads (GET, HEAD, OPTIONS) pass untouched.
 *
 * 1. Cross-site browser requests are refused (403): an `Origin` other than our own, or
 *    `Sec-Fetch-Site: cross-site`. Requests with neither header (curl, servers) pass: CSRF needs a browser.
 * 2. With `API_TOKEN` set, `Authorization: Bearer <token>` is required (401 otherwise).
 * 3. A body must be JSON (415 otherwise) and parse (400). An empty body counts as no body, whatever its
 *    Content-Type, and is passed on as one, so every route sees one shape for "nothing sent".
 */
export function requestGuard(config: Pick<Config, "API_TOKEN">): MiddlewareHandler {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();

    const origin = c.req.header("origin");
    if (origin !== undefined && !ownOrigins(new URL(c.req.url), c.req.raw.headers).has(origin)) {
      throw new ApiError("forbidden", "Cross-origin requests may not change data");
    }
    if (c.req.header("sec-fetch-site") === "cross-site") {
      throw new ApiError("forbidden", "Cross-site requests may not change data");
    }

    if (config.API_TOKEN !== undefined) {
      await requireBearer(
        c.req.header("authorization"),
        config.API_TOKEN,
        "This action needs the API token: Authorization: Bearer <API_TOKEN>",
      );
    }

    const body = await readJsonBody(c);
    if (body === undefined && (c.req.raw.body !== null || c.req.header("content-type") !== undefined)) {
      // A validator would otherwise parse "" as JSON and fail.
      dropEmptyBody(c);
    }
    return next();
  };
}
