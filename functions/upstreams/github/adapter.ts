// GitHub Issues as an upstream: the repository's issue listing as pages of tasks, deletions confirmed per issue.
import type { Logger } from "../../logger";
import {
  type AttemptFailure,
  bringsNothing,
  type Confirmation,
  type FetchedPage,
  type PageRequest,
  type RetryListener,
  type UpstreamAdapter,
  UpstreamDeferred,
  UpstreamError,
  type UpstreamStateStore,
} from "../adapter";
import { httpDate } from "../http";
import { type GithubAnswer, type GithubFetch, GithubHttp } from "./http";
import { classifyItem } from "./issue";
import { nextLink, refuseLink } from "./link";
import { type ApiRoot, apiRoot, issueNumberOf, issueUrl, type RepoRef, repoLabel, repoUrl } from "./repo";
import {
  decodeWalk,
  encodeWalk,
  GITHUB_MAX_PER_PAGE,
  MAX_STALLED_PAGES,
  nextWalk,
  servedBefore,
  stalledPages,
  type Walk,
  walkStart,
  walkUrl,
} from "./walk";

export { GITHUB_MAX_PER_PAGE } from "./walk";
export const ETAG_KEY = "github:incremental-etag";

export type GithubAdapterOptions = {
  apiUrl: string;
  repo: RepoRef;
  token: string | null;
  inProgressLabel: string;
  state: UpstreamStateStore;
  fetch: GithubFetch;
  clock: () => Date;
  sleep: (ms: number) => Promise<void>;
  random?: () => number;
  logger?: Logger;
  /** Told before each wait to retry a request (see GithubHttpOptions). */
  onRetry?: RetryListener;
  timeoutMs?: number;
  maxBodyBytes?: number;
  maxAttempts?: number;
  maxWaitMs?: number;
  /** Furthest a deferral reaches (SYNC_MAX_DEFER_SECONDS), whatever GitHub's reset says. */
  maxDeferMs?: number;
  quotaReserve?: number;
  /** Per call of confirmDeleted; ids beyond it stay for a later run. */
  maxConfirmations?: number;
};

const DEFAULTS = {
  timeoutMs: 10_000,
  // 100 issues with 65 KB bodies each is 6.5 MB; anything far past that is not an issue page.
  maxBodyBytes: 10 * 1024 * 1024,
  maxAttempts: 4,
  maxWaitMs: 30_000,
  maxDeferMs: 3_600_000,
  quotaReserve: 5,
  maxConfirmations: 100,
};

// Statuses that answer "is this issue still here?": 200 yes; 301/308 (transferred), 404 and 410 (deleted) no;
// 302/307 say only "ask there this time" (GitHub's "HTTP redirects": repeat the request verbatim at Location).
const CONFIRM_ANSWERS = [200, 301, 302, 307, 308, 404, 410];
const TEMPORARY_REDIRECTS = [302, 307];

export function createGithubAdapter(options: GithubAdapterOptions): UpstreamAdapter {
  const settings = { ...options, ...withDefaults(options) };
  const root = apiRoot(options.apiUrl);
  const http = new GithubHttp({ ...settings, token: options.token || null });
  const mapping = { repo: options.repo, inProgressLabel: options.inProgressLabel };

  async function fetchPage(req: PageRequest): Promise<FetchedPage> {
    const perPage = Math.min(GITHUB_MAX_PER_PAGE, Math.max(1, Math.floor(req.limit)));
    const walk = req.cursor === null ? walkStart(req.updatedSince, perPage) : walkOf(req.cursor, perPage);
    // Only the first page of an incremental listing is asked conditionally (see rememberEtag).
    const conditional = req.cursor === null && req.updatedSince !== null;
    try {
      let page = await fetchWalk(walk, conditional, req.signal);
      // Inside a pass through one second, a page can bring nothing and still lead on: a pass's last page that came
      // back empty (issues left the second behind it), or a page of issues all served before (issues joined the
      // second ahead of them). The engine stops a listing on an empty page that hands out a cursor, so such a page
      // is followed at once, a few times at most (a server that keeps answering empty pages is stopped there).
      for (let followed = 0; followed < MAX_EMPTY_FOLLOWED && bringsNothing(page); followed++) {
        const next = page.nextCursor === null ? null : decodeWalk(page.nextCursor);
        if (next?.pass === undefined) break;
        const after = await fetchWalk(next, false, req.signal);
        page = {
          ...after,
          attempts: page.attempts + after.attempts,
          retried: [...page.retried, ...after.retried],
        };
      }
      return page;
    } finally {
      await http.persistQuota();
    }
  }

  async function fetchWalk(walk: Walk, conditional: boolean, signal?: AbortSignal): Promise<FetchedPage> {
    const url = walkUrl(root, options.repo, walk);
    const etag = conditional ? await storedEtag(url) : null;
    const answer = await http.send(url, { accept: [200, 304], etag, signal });
    if (answer.status === 304) return await notModifiedPage(answer);
    const page = await pageOf(answer, url, walk);
    if (conditional) await rememberEtag(url, answer, page);
    return page;
  }

  /**
   * The walk a cursor continues. A cursor from before walks (GitHub's next-page link, kept by a run that stopped
   * part-way) starts its listing again from the start: its page number counted positions in another order.
   */
  function walkOf(cursor: string, perPage: number): Walk {
    const walk = decodeWalk(cursor);
    if (walk) return walk;
    const reason = refuseLink(cursor, root, options.repo);
    if (reason === null) {
      const since = new URL(cursor).searchParams.get("since");
      return walkStart(since !== null && !Number.isNaN(Date.parse(since)) ? since : null, perPage);
    }
    const at = settings.clock().toISOString();
    const failure: AttemptFailure = {
      at,
      kind: "redirect",
      message: `The listing's cursor was refused: ${reason}`,
      retryable: false,
    };
    throw new UpstreamError(failure, 0, []);
  }

  function malformed(answer: GithubAnswer, message: string): UpstreamError {
    const at = settings.clock().toISOString();
    return new UpstreamError(
      { at, kind: "malformed_response", message, httpStatus: 200, retryable: false },
      answer.attempts,
      answer.retried,
    );
  }

  async function pageOf(answer: GithubAnswer, url: string, walk: Walk): Promise<FetchedPage> {
    const items = answer.body;
    if (!Array.isArray(items) || items.length > GITHUB_MAX_PER_PAGE) {
      throw malformed(
        answer,
        Array.isArray(items)
          ? `GitHub returned ${items.length} issues on a page of at most ${GITHUB_MAX_PER_PAGE}`
          : "GitHub's issue listing is not a JSON array",
      );
    }
    const next = nextWalk(walk, items, nextLink(answer.headers.get("link")) !== null);
    if (next && stalledPages(next) > MAX_STALLED_PAGES) {
      const from = walk.since ?? "the start";
      throw malformed(
        answer,
        `GitHub's listing did not move past ${from} in ${MAX_STALLED_PAGES} pages (issues updated no later, or out of order); the listing stopped there`,
      );
    }
    const page: FetchedPage = { ...(await emptyPage(answer)), nextCursor: next && encodeWalk(next) };
    for (const item of items) {
      if (servedBefore(walk, item)) continue;
      const c = classifyItem(item, mapping);
      if (c.kind === "pull_request") page.ignored++;
      else if (c.kind === "invalid") page.invalid.push(c.record);
      else page.live.push(c.record);
    }
    page.received = page.live.length + page.invalid.length;
    settings.logger?.debug("github page", {
      url: new URL(url).pathname,
      issues: page.received,
      pulls: page.ignored,
      per_page: walk.per_page,
    });
    return page;
  }

  async function emptyPage(answer: GithubAnswer): Promise<FetchedPage> {
    return {
      live: [],
      tombstones: [],
      invalid: [],
      received: 0,
      ignored: 0,
      nextCursor: null,
      upstreamNow: upstreamNow(answer.headers),
      notModified: false,
      attempts: answer.attempts,
      retried: answer.retried,
      quota: await http.currentQuota(),
    };
  }

  async function notModifiedPage(answer: GithubAnswer): Promise<FetchedPage> {
    return { ...(await emptyPage(answer)), notModified: true };
  }

  async function storedEtag(url: string): Promise<string | null> {
    const stored = await settings.state.get(ETAG_KEY);
    if (!stored) return null;
    try {
      const { url: forUrl, etag } = JSON.parse(stored) as { url?: unknown; etag?: unknown };
      return forUrl === url && typeof etag === "string" ? etag : null;
    } catch {
      return null;
    }
  }

  /**
   * Keeps the ETag only of an answer that held nothing for us (no issue, no next page). A 304 to it then means
   * "still nothing" and can never hide records a crashed run read but did not commit. One key, not one per URL:
   * the URL changes whenever the watermark moves, and old ETags are worthless.
   */
  async function rememberEtag(url: string, answer: GithubAnswer, page: FetchedPage): Promise<void> {
    const etag = answer.headers.get("etag");
    const empty = page.received === 0 && page.nextCursor === null;
    if (etag && empty && etag.length <= 512)
      await settings.state.set(ETAG_KEY, JSON.stringify({ url, etag }));
  }

  async function confirmDeleted(externalIds: string[], signal?: AbortSignal): Promise<Confirmation> {
    const deleted: string[] = [];
    const answered: string[] = [];
    let requests = 0;
    let repoAnswered = false;
    try {
      for (const id of externalIds.slice(0, settings.maxConfirmations)) {
        const number = issueNumberOf(options.repo, id);
        // Not an issue of this repository (another repository, or another upstream's id): it cannot be listed here.
        if (number === null) {
          deleted.push(id);
          answered.push(id);
          continue;
        }
        let answer = await http.send(issueUrl(root, options.repo, number), {
          accept: CONFIRM_ANSWERS,
          signal,
        });
        requests += answer.attempts;
        // A temporary redirect is repeated once at its Location on the API's own origin (the token goes nowhere
        // else); redirected again, or elsewhere, it says nothing about the issue, which is kept for the next run.
        const to = TEMPORARY_REDIRECTS.includes(answer.status) ? apiLocation(answer, root) : null;
        if (to !== null) {
          answer = await http.send(to, { accept: CONFIRM_ANSWERS, signal });
          requests += answer.attempts;
        }
        if (TEMPORARY_REDIRECTS.includes(answer.status)) {
          answered.push(id);
          continue;
        }
        // A renamed repository answers 301 on its issues' old URLs too, and a repository deleted or made private
        // answers 404 on every one: before the first "gone" is believed, the repository itself must answer 200
        // (else the run fails with the redirect's or the 404's own message, and nothing is deleted).
        if (answer.status !== 200 && !repoAnswered) {
          requests += (await http.send(repoUrl(root, options.repo), { accept: [200], signal })).attempts;
          repoAnswered = true;
        }
        if (answer.status !== 200) deleted.push(id);
        answered.push(id);
      }
    } catch (err) {
      // The quota ran out part-way: the answers already given go with the deferral (see UpstreamDeferred).
      if (err instanceof UpstreamDeferred && answered.length > 0)
        throw new UpstreamDeferred(err.failure, err.attempts, err.retried, err.nextAllowedAt, {
          answered,
          deleted,
          requests,
        });
      throw err;
    } finally {
      await http.persistQuota();
    }
    return { deleted, requests };
  }

  return {
    source: { kind: "github", label: `GitHub · ${repoLabel(options.repo)}` },
    deletions: "confirm",
    fetchPage,
    confirmDeleted,
  };
}

/** A redirect's Location when it stays on the API's origin and under its path prefix, else null. */
function apiLocation(answer: GithubAnswer, root: ApiRoot): string | null {
  const location = answer.headers.get("location");
  if (!location) return null;
  try {
    const url = new URL(location);
    const inside = url.origin === root.origin && url.pathname.startsWith(`${root.prefix}/`);
    return inside && !url.username && !url.password ? url.toString() : null;
  } catch {
    return null;
  }
}

/** Empty pages inside a pass that one fetchPage follows (see fetchPage). */
const MAX_EMPTY_FOLLOWED = 3;

/** Upstream's clock from its `Date` header (second resolution), or null when it sent none we can read. */
export function upstreamNow(headers: Headers): string | null {
  return httpDate(headers.get("date"));
}

function withDefaults(o: GithubAdapterOptions): typeof DEFAULTS {
  return {
    timeoutMs: o.timeoutMs ?? DEFAULTS.timeoutMs,
    maxBodyBytes: o.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
    maxAttempts: o.maxAttempts ?? DEFAULTS.maxAttempts,
    maxWaitMs: o.maxWaitMs ?? DEFAULTS.maxWaitMs,
    maxDeferMs: o.maxDeferMs ?? DEFAULTS.maxDeferMs,
    quotaReserve: o.quotaReserve ?? DEFAULTS.quotaReserve,
    maxConfirmations: o.maxConfirmations ?? DEFAULTS.maxConfirmations,
  };
}
