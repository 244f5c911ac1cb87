// A fake GitHub REST API for tests, written from GitHub's documentation: the issue listing (state, sort,
// direction, since, per_page ≤ 100 or a smaller size of the server's (`maxPerPage`), page, Link headers written
// with the repository's numeric id), single issues (410 deleted, 301 transferred), tokens (401), the primary quota
// (x-ratelimit-*, 403 at 0, 304s free when authorised), secondary limits (403/429 with or without retry-after)
// and ETag / If-None-Match.

import type { Context } from "hono";
import { Hono } from "hono";
import { type DatasetOptions, type FakeIssue, FakeRepository } from "./dataset";

export type FakeGithubOptions = Partial<DatasetOptions> & {
  owner?: string;
  repo?: string;
  repoId?: number;
  /** The token GitHub accepts; requests without one are anonymous (public repositories only). */
  token?: string;
  public?: boolean;
  quotaLimit?: number;
  anonymousQuotaLimit?: number;
  /** The largest page served (GitHub's: 100). Lower, the server pages by its own size, as a proxy might. */
  maxPerPage?: number;
  /** How long a quota window lasts (GitHub's: an hour); shorter keeps a test's clock steps small. */
  quotaWindowMs?: number;
};

type Quota = { limit: number; remaining: number; resetSec: number };
type Identity = "token" | "anonymous";
export type SecondaryLimit = { times: number; status: 403 | 429; retryAfterSec: number | null };
export type LoggedRequest = { path: string; query: string; status: number; conditional: boolean };

const DOCS = "https://docs.github.com/rest";
const HOUR_MS = 3_600_000;

export class FakeGithub {
  readonly repo: FakeRepository;
  readonly owner: string;
  readonly name: string;
  readonly repoId: number;
  readonly token: string | null;
  readonly isPublic: boolean;
  readonly maxPerPage: number;
  readonly quotaWindowMs: number;
  readonly quotas: Record<Identity, Quota>;
  /** The next `times` requests are refused by a secondary limit. */
  secondary: SecondaryLimit | null = null;
  /** Every request answered, in order (for cost assertions). */
  readonly log: LoggedRequest[] = [];
  /** The next `serverErrors` requests answer 502 (GitHub has bad minutes too). */
  serverErrors = 0;
  /** Issues the listing leaves out though their own pages answer (GitHub's listing can lag behind them). */
  readonly unlisted = new Set<number>();
  /** The repository was renamed: its old `/repos/owner/name/…` URLs answer 301 to `/repositories/{id}/…`. */
  renamed = false;
  /**
   * The repository was deleted, or made private to this token: GitHub answers 404 on every `/repos/owner/name/…`
   * URL ("Get a repository" and "Get an issue" both list 404, https://docs.github.com/rest/repos/repos#get-a-repository,
   * https://docs.github.com/rest/issues/issues#get-an-issue), never saying which.
   */
  hidden = false;
  /**
   * Issues whose page answers 307 to the same issue under `/repositories/{id}/…`: GitHub's "HTTP redirects"
   * (https://docs.github.com/rest/using-the-rest-api/getting-started-with-the-rest-api#http-redirects) says any
   * request may be redirected, 302/307 temporarily ("repeat the request verbatim to the URI in the Location header
   * … continue to use the original URI for future requests").
   */
  readonly redirectedTemporarily = new Set<number>();
  #afterListingPage: ((served: number) => void) | null = null;
  #listingsServed = 0;
  readonly app: Hono;

  constructor(options: FakeGithubOptions = {}) {
    this.repo = new FakeRepository({
      total: options.total ?? 300,
      pullEvery: options.pullEvery ?? 5,
      now: options.now ?? new Date("2026-11-01T12:00:00Z"),
    });
    this.owner = options.owner ?? "acme";
    this.name = options.repo ?? "widgets";
    this.repoId = options.repoId ?? 4242;
    this.token = options.token ?? null;
    this.isPublic = options.public ?? this.token === null;
    this.maxPerPage = options.maxPerPage ?? 100;
    this.quotaWindowMs = options.quotaWindowMs ?? HOUR_MS;
    const resetSec = Math.floor((this.repo.nowMs + this.quotaWindowMs) / 1000);
    this.quotas = {
      token: { limit: options.quotaLimit ?? 5000, remaining: options.quotaLimit ?? 5000, resetSec },
      anonymous: {
        limit: options.anonymousQuotaLimit ?? 60,
        remaining: options.anonymousQuotaLimit ?? 60,
        resetSec,
      },
    };
    this.app = this.routes();
  }

  /**
   * Called after each listing page is served, with how many were served since it was set (1 after the first),
   * e.g. to delete an issue mid-listing. Counted by request, not by `page`: a client may never send one.
   */
  set afterListingPage(hook: ((served: number) => void) | null) {
    this.#afterListingPage = hook;
    this.#listingsServed = 0;
  }

  get afterListingPage(): ((served: number) => void) | null {
    return this.#afterListingPage;
  }

  /** A fetch that reaches this fake in-process (Workers tests); Node tests serve it over real HTTP instead. */
  readonly fetch = async (url: string, init?: RequestInit): Promise<Response> =>
    this.app.request(url, init as RequestInit);

  issueUrl(issue: FakeIssue): string {
    return `https://github.com/${this.owner}/${this.name}/${issue.pull_request ? "pull" : "issues"}/${issue.number}`;
  }

  /** A test's starting point: the token's quota window has `remaining` requests left and resets in `resetInMs`. */
  setQuota(remaining: number, resetInMs = this.quotaWindowMs): void {
    this.quotas.token.remaining = remaining;
    this.quotas.token.resetSec = Math.floor((this.repo.nowMs + resetInMs) / 1000);
  }

  /**
   * The token's other users spend its quota down to `remaining` within the current window (a window that has ended
   * renews first). The reset does not move, as GitHub's never does within a window.
   */
  spendQuota(remaining: number): void {
    const quota = this.quota("token");
    quota.remaining = Math.min(quota.remaining, remaining);
  }

  private routes(): Hono {
    const app = new Hono();
    app.use("*", async (c, next) => {
      const gate = this.gate(c);
      if (gate) return gate;
      await next();
      this.account(c);
    });
    // "Get a repository" (https://docs.github.com/rest/repos/repos#get-a-repository): 200, 301 when renamed, 404.
    app.get("/repos/:owner/:repo", (c) =>
      this.sameRepo(c.req.param("owner"), c.req.param("repo")) ? this.repository(c) : notFound(c),
    );
    app.get("/repos/:owner/:repo/issues", (c) =>
      this.sameRepo(c.req.param("owner"), c.req.param("repo")) ? this.listing(c) : notFound(c),
    );
    app.get("/repositories/:id/issues", (c) =>
      Number(c.req.param("id")) === this.repoId ? this.listing(c) : notFound(c),
    );
    app.get("/repos/:owner/:repo/issues/:number", (c) => {
      if (!this.sameRepo(c.req.param("owner"), c.req.param("repo"))) return notFound(c);
      const number = c.req.param("number");
      if (!this.redirectedTemporarily.has(Number(number))) return this.single(c);
      const url = `${new URL(c.req.url).origin}/repositories/${this.repoId}/issues/${number}`;
      c.header("location", url);
      return c.json({ message: "Temporary Redirect", url, documentation_url: DOCS }, 307);
    });
    app.get("/repositories/:id/issues/:number", (c) =>
      Number(c.req.param("id")) === this.repoId ? this.single(c) : notFound(c),
    );
    app.notFound((c) => notFound(c));
    return app;
  }

  private identity(c: Context): Identity | "bad" {
    const auth = c.req.header("authorization");
    if (!auth) return "anonymous";
    const [scheme, value] = auth.split(" ");
    const ok = (scheme === "Bearer" || scheme === "token") && this.token !== null && value === this.token;
    return ok ? "token" : "bad";
  }

  /** Token, visibility, quota and secondary limit, in GitHub's order; null lets the request through. */
  private gate(c: Context): Response | null {
    c.header("date", this.repo.now().toUTCString());
    const who = this.identity(c);
    if (who === "bad")
      return this.logged(c, c.json({ message: "Bad credentials", documentation_url: DOCS }, 401));
    if (who === "anonymous" && !this.isPublic) return this.logged(c, notFound(c));
    const quota = this.quota(who);
    this.quotaHeaders(c, quota);
    if (quota.remaining <= 0) {
      const message = "API rate limit exceeded. Check the documentation for more information.";
      return this.logged(c, c.json({ message, documentation_url: DOCS }, 403));
    }
    if (this.renamed && new URL(c.req.url).pathname.startsWith("/repos/")) {
      const rest = new URL(c.req.url).pathname.split("/").slice(4).join("/");
      c.header("location", `${new URL(c.req.url).origin}/repositories/${this.repoId}/${rest}`);
      return this.logged(c, c.json({ message: "Moved Permanently", documentation_url: DOCS }, 301));
    }
    if (this.hidden && new URL(c.req.url).pathname.startsWith("/repos/")) return this.logged(c, notFound(c));
    if (this.serverErrors > 0) {
      this.serverErrors--;
      return this.logged(c, c.json({ message: "Server Error" }, 502));
    }
    if (this.secondary && this.secondary.times > 0) {
      this.secondary.times--;
      quota.remaining--;
      this.quotaHeaders(c, quota);
      if (this.secondary.retryAfterSec !== null)
        c.header("retry-after", String(this.secondary.retryAfterSec));
      const message =
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";
      return this.logged(c, c.json({ message, documentation_url: DOCS }, this.secondary.status));
    }
    return null;
  }

  /** Every answer costs one request, except a 304 to an authorised conditional request. */
  private account(c: Context): void {
    const who = this.identity(c);
    if (who === "bad") return;
    const quota = this.quota(who);
    const free = c.res.status === 304 && who === "token";
    if (!free) quota.remaining = Math.max(0, quota.remaining - 1);
    // Headers of the answer show the quota after this request, as GitHub's do.
    c.res.headers.set("x-ratelimit-remaining", String(quota.remaining));
    c.res.headers.set("x-ratelimit-used", String(quota.limit - quota.remaining));
    this.logged(c, c.res);
  }

  private quota(who: Identity): Quota {
    const quota = this.quotas[who];
    if (this.repo.nowMs >= quota.resetSec * 1000) {
      quota.remaining = quota.limit;
      quota.resetSec = Math.floor((this.repo.nowMs + this.quotaWindowMs) / 1000);
    }
    return quota;
  }

  private quotaHeaders(c: Context, quota: Quota): void {
    c.header("x-ratelimit-limit", String(quota.limit));
    c.header("x-ratelimit-remaining", String(quota.remaining));
    c.header("x-ratelimit-reset", String(quota.resetSec));
    c.header("x-ratelimit-used", String(quota.limit - quota.remaining));
    c.header("x-ratelimit-resource", "core");
  }

  private logged(c: Context, res: Response): Response {
    const url = new URL(c.req.url);
    this.log.push({
      path: url.pathname,
      query: url.search,
      status: res.status,
      conditional: c.req.header("if-none-match") !== undefined,
    });
    return res;
  }

  private sameRepo(owner: string, repo: string): boolean {
    return owner.toLowerCase() === this.owner.toLowerCase() && repo.toLowerCase() === this.name.toLowerCase();
  }

  private async listing(c: Context): Promise<Response> {
    const q = listingQuery(new URL(c.req.url).searchParams, this.maxPerPage);
    if ("error" in q) return c.json({ message: q.error, documentation_url: DOCS }, 422);
    const all = this.repo
      .visible()
      .filter((i) => !this.unlisted.has(i.number))
      .filter((i) => q.state === "all" || i.state === q.state)
      .filter((i) => q.since === null || Date.parse(i.updated_at) >= q.since)
      .sort(compareBy(q.sort, q.direction));
    const pages = Math.max(1, Math.ceil(all.length / q.perPage));
    const items = all.slice((q.page - 1) * q.perPage, q.page * q.perPage).map((i) => this.render(c, i));
    const body = JSON.stringify(items);
    const etag = `W/"${await sha256(body)}"`;
    c.header("etag", etag);
    const link = this.link(c, q.page, pages);
    if (link) c.header("link", link);
    this.#afterListingPage?.(++this.#listingsServed);
    if (c.req.header("if-none-match") === etag) return c.body(null, 304);
    return c.body(body, 200, { "content-type": "application/json; charset=utf-8" });
  }

  private single(c: Context): Response {
    const issue = this.repo.items.get(Number(c.req.param("number")));
    if (!issue) return notFound(c);
    if (issue.gone?.kind === "deleted") {
      return c.json({ message: "This issue was deleted", documentation_url: DOCS }, 410);
    }
    if (issue.gone?.kind === "transferred") {
      const origin = new URL(c.req.url).origin;
      const url = `${origin}/repositories/${issue.gone.repoId}/issues/${issue.gone.number}`;
      c.header("location", url);
      return c.json({ message: "Moved Permanently", url, documentation_url: DOCS }, 301);
    }
    return c.json(this.render(c, issue));
  }

  private repository(c: Context): Response {
    return c.json({
      id: this.repoId,
      name: this.name,
      full_name: `${this.owner}/${this.name}`,
      owner: { login: this.owner },
      private: !this.isPublic,
      html_url: `https://github.com/${this.owner}/${this.name}`,
      has_issues: true,
    });
  }

  /** Link header as GitHub writes it: the repository's numeric id, the same query with another `page`. */
  private link(c: Context, page: number, pages: number): string | null {
    const url = new URL(c.req.url);
    const at = (n: number) => {
      const u = new URL(`${url.origin}/repositories/${this.repoId}/issues`);
      for (const [k, v] of url.searchParams) if (k !== "page") u.searchParams.set(k, v);
      u.searchParams.set("page", String(n));
      return u.toString();
    };
    const parts: string[] = [];
    if (page > 1) parts.push(`<${at(page - 1)}>; rel="prev"`, `<${at(1)}>; rel="first"`);
    if (page < pages) parts.push(`<${at(page + 1)}>; rel="next"`, `<${at(pages)}>; rel="last"`);
    return parts.length ? parts.join(", ") : null;
  }

  private render(c: Context, i: FakeIssue): Record<string, unknown> {
    const api = `${new URL(c.req.url).origin}/repos/${this.owner}/${this.name}`;
    return {
      url: `${api}/issues/${i.number}`,
      repository_url: api,
      html_url: this.issueUrl(i),
      id: i.id,
      node_id: i.node_id,
      number: i.number,
      title: i.title,
      user: { login: "octocat", id: 1 },
      labels: i.labels.map((name, n) => ({ id: n + 1, name, color: "ededed", default: false })),
      state: i.state,
      locked: false,
      comments: 0,
      created_at: i.created_at,
      updated_at: i.updated_at,
      closed_at: i.closed_at,
      body: `Body of #${i.number}`,
      ...(i.pull_request ? { pull_request: { url: `${api}/pulls/${i.number}`, merged_at: null } } : {}),
    };
  }
}

type ListingQuery = {
  state: "open" | "closed" | "all";
  sort: "created" | "updated";
  direction: "asc" | "desc";
  since: number | null;
  perPage: number;
  page: number;
};

/** GitHub's defaults: open issues, newest created first, 30 a page; per_page above 100 is served as 100. */
function listingQuery(p: URLSearchParams, maxPerPage: number): ListingQuery | { error: string } {
  const state = p.get("state") ?? "open";
  const sort = p.get("sort") ?? "created";
  const direction = p.get("direction") ?? "desc";
  const since = p.get("since");
  const sinceMs = since === null ? null : Date.parse(since);
  if (!["open", "closed", "all"].includes(state)) return { error: "Validation Failed: state" };
  if (!["created", "updated"].includes(sort)) return { error: "Validation Failed: sort" };
  if (!["asc", "desc"].includes(direction)) return { error: "Validation Failed: direction" };
  if (sinceMs !== null && Number.isNaN(sinceMs)) return { error: "Validation Failed: since" };
  const perPage = Math.min(maxPerPage, Math.max(1, Number(p.get("per_page") ?? 30) || 30));
  const page = Math.max(1, Math.floor(Number(p.get("page") ?? 1)) || 1);
  return {
    state: state as ListingQuery["state"],
    sort: sort as ListingQuery["sort"],
    direction: direction as ListingQuery["direction"],
    since: sinceMs,
    perPage,
    page,
  };
}

/** The listing's order for `sort` and `direction`; issue numbers break ties (GitHub documents none). */
export function compareBy(sort: "created" | "updated", direction: "asc" | "desc") {
  const key = sort === "created" ? "created_at" : "updated_at";
  const sign = direction === "asc" ? 1 : -1;
  return (a: FakeIssue, b: FakeIssue) => sign * (a[key].localeCompare(b[key]) || a.number - b.number);
}

function notFound(c: Context): Response {
  return c.json({ message: "Not Found", documentation_url: DOCS }, 404);
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
