// The configured repository, the external ids derived from it, and the URLs of its issue listing.
export type RepoRef = { owner: string; name: string };

/** GitHub's own rule for owner and repository names (letters, digits, `-`, `_`, `.`), as `owner/name`. */
const REPO_PATTERN = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/;

export function parseRepo(value: string): RepoRef | null {
  const m = REPO_PATTERN.exec(value.trim());
  if (!m || m[2] === "." || m[2] === "..") return null;
  return { owner: m[1]!, name: m[2]! };
}

export function repoLabel(repo: RepoRef): string {
  return `${repo.owner}/${repo.name}`;
}

/**
 * `owner/name#number`, lower-cased: GitHub's own cross-reference form. A transfer gives an issue a new number *and*
 * a new numeric/node id, so neither id survives one; the number is what confirming a deletion needs, and the
 * repository prefix keeps two repositories' issues from ever sharing a row. Lower case because GitHub names are
 * case-insensitive (a config written `Owner/Repo` must not re-key every task).
 */
export function externalIdFor(repo: RepoRef, number: number): string {
  return `${repo.owner}/${repo.name}#${number}`.toLowerCase();
}

/** The issue number an external id names, or null when it is not an issue of this repository. */
export function issueNumberOf(repo: RepoRef, externalId: string): number | null {
  const prefix = `${repo.owner}/${repo.name}#`.toLowerCase();
  if (!externalId.startsWith(prefix)) return null;
  const digits = externalId.slice(prefix.length);
  if (!/^[1-9]\d{0,15}$/.test(digits)) return null;
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : null;
}

/** The API's origin and path prefix, without a trailing slash ("" for api.github.com, `/api/v3` on Enterprise). */
export type ApiRoot = { origin: string; prefix: string };

export function apiRoot(apiUrl: string): ApiRoot {
  const url = new URL(apiUrl);
  return { origin: url.origin, prefix: url.pathname.replace(/\/+$/, "") };
}

function repoPath(root: ApiRoot, repo: RepoRef): string {
  return `${root.prefix}/repos/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}`;
}

export type ListingQuery = { perPage: number; since: string | null; page: number };

/** A page of the issue listing, pull requests and closed issues included, by update time, oldest first (walk.ts). */
export function listingUrl(root: ApiRoot, repo: RepoRef, query: ListingQuery): string {
  const url = new URL(root.origin);
  url.pathname = `${repoPath(root, repo)}/issues`;
  url.searchParams.set("state", "all");
  url.searchParams.set("per_page", String(query.perPage));
  if (query.since !== null) url.searchParams.set("since", query.since);
  url.searchParams.set("sort", "updated");
  url.searchParams.set("direction", "asc");
  if (query.page > 1) url.searchParams.set("page", String(query.page));
  return url.toString();
}

/** "Get a repository": 200 while the repository is there under this name, 301 once renamed, 404 out of sight. */
export function repoUrl(root: ApiRoot, repo: RepoRef): string {
  return `${root.origin}${repoPath(root, repo)}`;
}

export function issueUrl(root: ApiRoot, repo: RepoRef, number: number): string {
  return `${root.origin}${repoPath(root, repo)}/issues/${number}`;
}

/** GitHub documents `YYYY-MM-DDTHH:MM:SSZ`; rounding down to the second never skips a change. */
export function githubTime(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 19)}Z`;
}
