// The Host allowlist: a request naming a host we do not serve is refused before anything else (DNS rebinding).
import type { MiddlewareHandler } from "hono";
import { ApiError } from "./errors";

/** The hosts every local instance answers to; each runtime adds its own (Workers: its deployed host). */
export const LOCAL_HOSTS = ["localhost", "127.0.0.1", "[::1]"] as const;

/** `example.com:8787` → `example.com`, `[::1]:8787` → `[::1]`; lower case, a trailing dot dropped. */
export function hostName(host: string): string {
  const name = host.trim().toLowerCase();
  const bare = name.startsWith("[") ? name.slice(0, name.indexOf("]") + 1) : name.replace(/:\d*$/, "");
  return bare.endsWith(".") ? bare.slice(0, -1) : bare;
}

/**
 * Whether `name` is allowed: an entry matches itself; an entry starting with a dot (`.workers.dev`) matches
 * any subdomain of it; `*` matches everything (for deployments whose proxy checks the host itself).
 */
export function hostAllowed(name: string, allowed: readonly string[]): boolean {
  return allowed.some(
    (entry) => entry === "*" || entry === name || (entry.startsWith(".") && name.endsWith(entry)),
  );
}

/**
 * A page on an attacker's domain whose DNS is switched to 127.0.0.1 is same-origin with it in the browser, so
 * an Origin check passes; only the Host header still names the attacker's domain. 421 would be the HTTP
 * answer, but the API's error vocabulary has `forbidden` (403), which clients already handle.
 */
export function hostGuard(allowed: readonly string[]): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header("host") ?? new URL(c.req.url).host;
    const name = hostName(host);
    if (!hostAllowed(name, allowed)) {
      throw new ApiError("forbidden", `Host ${JSON.stringify(name)} is not served here; see ALLOWED_HOSTS`);
    }
    return next();
  };
}
