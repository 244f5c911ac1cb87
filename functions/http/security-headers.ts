// The security headers every response carries, on both runtimes: from the app on Node and for the API on
// Workers, and from the `_headers` file (written from the same settings by the web build) for Workers assets.
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";

export const securityHeaders = () =>
  secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      frameAncestors: ["'none'"],
      formAction: ["'self'"],
    },
    crossOriginEmbedderPolicy: false,
    // frame-ancestors 'none' says the same to current browsers; DENY tells older ones.
    xFrameOptions: "DENY",
  });

/** The headers the middleware sets, read off a response it produced (so the file can never drift from it). */
export async function securityHeaderValues(): Promise<[string, string][]> {
  const probe = new Hono().use(securityHeaders()).get("/", (c) => c.body(null, 204));
  const res = await probe.request("/");
  const headers: [string, string][] = [];
  res.headers.forEach((value, name) => {
    if (name !== "content-type") headers.push([name, value]);
  });
  return headers;
}

/** Cloudflare's `_headers` file: the same headers on every static asset the Workers assets layer serves. */
export async function assetHeadersFile(): Promise<string> {
  const lines = (await securityHeaderValues()).map(([name, value]) => `  ${name}: ${value}`);
  return [
    "# Written by the web build from functions/http/security-headers.ts; do not edit.",
    "/*",
    ...lines,
    "",
  ].join("\n");
}
