// Follows GitHub's `Link: <…>; rel="next"` without following it anywhere else: the next page must stay on the
// API's origin and on this repository's issue listing.
import type { ApiRoot, RepoRef } from "./repo";

/** The longest cursor read back, whether a `Link` target or a walk (walk.ts). */
export const MAX_CURSOR_LENGTH = 4000;

/** The `rel="next"` target of a Link header (RFC 8288), or null. */
export function nextLink(header: string | null): string | null {
  if (!header) return null;
  for (const part of header.split(",")) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (!m) continue;
    const rels = /(?:^|;)\s*rel\s*=\s*"?([^";]+)"?/i.exec(m[2]!)?.[1] ?? "";
    if (rels.toLowerCase().split(/\s+/).includes("next")) return m[1]!;
  }
  return null;
}

/**
 * Is `link` a page of this repository's issue listing on the API's own origin? GitHub writes its links as
 * `/repositories/{id}/issues?…` (the repository's numeric id) as well as `/repos/{owner}/{name}/issues?…`.
 * Returns the reason it is refused, or null when it is fine.
 */
export function refuseLink(link: string, root: ApiRoot, repo: RepoRef): string | null {
  if (link.length > MAX_CURSOR_LENGTH) return "it is too long";
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return "it is not a URL";
  }
  if (url.origin !== root.origin) return `it points to another origin (${url.origin})`;
  if (url.username || url.password || url.hash) return "it carries credentials or a fragment";
  const byName = `${root.prefix}/repos/${repo.owner}/${repo.name}/issues`.toLowerCase();
  const byId = new RegExp(`^${escapeRegExp(root.prefix)}/repositories/\\d{1,20}/issues$`);
  const path = decodeURIComponentSafe(url.pathname);
  if (path.toLowerCase() !== byName && !byId.test(path))
    return `it points outside the issue listing (${url.pathname})`;
  return null;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
