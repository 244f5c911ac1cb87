// Parses the service configuration once, from Node's env or the Workers bindings; nothing else reads env.
import { z } from "zod";
import { hostName } from "./http/host-guard";
import { describeIssues } from "./http/issues";
import { CURSOR_FAULTS, ID_STYLES, MAX_CHURN, PAGINATIONS } from "./simulator/settings";
import { parseRepo } from "./upstreams/github/repo";

const rate = z.coerce.number().min(0).max(1);
// fetch refuses a URL with `user:password@`, and its error quotes the URL whole: a run's errors (open to every
// reader of /api/sync/status) would publish the password. Refused at start; the message never shows the value.
const withoutCredentials = (url: string | undefined) => {
  try {
    return url === undefined || (new URL(url).username === "" && new URL(url).password === "");
  } catch {
    return true; // not a URL at all: the URL check says so
  }
};
const CREDENTIALS = "must not carry credentials (user:password@): the service sends none and would show them";
const optionalUrl = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .pipe(z.url().optional())
  .optional();

export const configSchema = z
  .object({
    PORT: z.coerce.number().int().min(1).max(65535).default(8787),
    // Node only: the interface to listen on; loopback unless told (a container sets 0.0.0.0).
    HOST: z.string().trim().min(1).default("127.0.0.1"),
    // Host names served besides localhost, 127.0.0.1 and [::1], comma-separated; `.example.com` covers its
    // subdomains, `*` turns the check off (only behind a proxy that checks Host itself).
    ALLOWED_HOSTS: z
      .string()
      .transform((v) =>
        v
          .split(",")
          .map(hostName)
          .filter((h) => h !== ""),
      )
      .default([]),
    DATABASE_URL: z.string().min(1).optional(),
    DATABASE_AUTH_TOKEN: z.string().optional(),
    UPSTREAM_URL: optionalUrl.refine(withoutCredentials, `UPSTREAM_URL ${CREDENTIALS}`),
    UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(10).max(120_000).default(10_000),
    SYNC_CRON: z.string().trim().optional(),
    SYNC_LEASE_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
    // How often a live run renews its lease; default a quarter of the lease. The lease must outlast 3 beats.
    SYNC_HEARTBEAT_SECONDS: z.coerce.number().min(0.1).max(1200).optional(),
    SYNC_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(500),
    // A full sync refuses to delete more than this share of active tasks at once.
    SYNC_MAX_DELETE_SHARE: rate.default(0.5),
    // Longest Retry-After wait a run sits through before it ends `deferred`.
    SYNC_MAX_RETRY_WAIT_SECONDS: z.coerce.number().min(0).max(600).default(30),
    // Furthest a deferral reaches, whatever upstream asks (Retry-After in year 9999 defers by this much).
    SYNC_MAX_DEFER_SECONDS: z.coerce
      .number()
      .int()
      .min(1)
      .max(7 * 86_400)
      .default(3600),
    // A listing longer than this is stopped: a cursor that never ends must not hold the lease forever.
    SYNC_MAX_PAGES: z.coerce.number().int().min(1).max(10_000_000).default(100_000),
    // Absent tasks an upstream with shifting pages (GitHub) confirms per run; each costs a request.
    SYNC_MAX_CONFIRMATIONS: z.coerce.number().int().min(0).max(10_000).default(100),
    // A scheduled sync is a full listing when the latest complete one began this long ago (0: never; only a
    // manual full sync lists everything). A full listing finds deletions upstream does not announce (GitHub's).
    SYNC_FULL_EVERY_HOURS: z.coerce.number().min(0).max(8760).default(24),
    // Incremental listings re-read this much before the watermark (clock granularity, in-flight writes upstream).
    SYNC_WATERMARK_OVERLAP_SECONDS: z.coerce.number().int().min(0).max(86_400).default(120),
    // Who drives a run started by POST /api/sync on Workers: the Workflow (when bound), or this invocation
    // (kept alive by waitUntil). Cron ticks always use the Workflow when it is bound.
    SYNC_RUNNER: z.enum(["workflow", "in-process"]).default("workflow"),
    // POST /api/sync waits this long for the run to end, then answers 202 and lets it go on.
    SYNC_WAIT_SECONDS: z.coerce.number().min(0).max(600).default(20),
    // A commit gathers whole pages up to this many records: fewer, larger transactions rewrite fewer index pages.
    // 1 commits every page alone.
    SYNC_COMMIT_RECORDS: z.coerce.number().int().min(1).max(20_000).default(5000),
    // Request the next page while the current one is written ("false": one request at a time, after each page).
    SYNC_READ_AHEAD: z.stringbool().default(true),
    // One slice of a run (a Workflow step on Workers): at most this many pages, statements and seconds.
    SYNC_SLICE_PAGES: z.coerce.number().int().min(1).max(100_000).default(50),
    SYNC_SLICE_STATEMENTS: z.coerce.number().int().min(30).max(100_000).default(400),
    SYNC_SLICE_SECONDS: z.coerce.number().min(1).max(900).default(20),
    // A Workflow waits out a rate limit up to this long (step.sleep) before the run ends `deferred`.
    SYNC_MAX_WAIT_SECONDS: z.coerce
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .default(3600),
    SYNC_ERROR_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
    // Finished runs older than this are deleted when a run ends (the latest success and the latest complete
    // listing stay: the status and the next incremental sync read them).
    SYNC_RUN_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
    // Largest upstream page body read; a larger one fails the request instead of filling the heap.
    UPSTREAM_MAX_PAGE_BYTES: z.coerce
      .number()
      .int()
      .min(64 * 1024)
      .max(64 * 1024 * 1024)
      .default(4 * 1024 * 1024),
    API_TOKEN: z.string().min(16, "API_TOKEN must be at least 16 characters").optional(),
    // When set, GET /api/metrics needs `Authorization: Bearer <METRICS_TOKEN>`: a scraper holds this one, not
    // API_TOKEN, which would also let it delete tasks.
    METRICS_TOKEN: z.string().min(16, "METRICS_TOKEN must be at least 16 characters").optional(),
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
    SIM_SEED: z.coerce.number().int().default(42),
    SIM_TOTAL: z.coerce.number().int().min(0).max(5_000_000).default(500),
    SIM_FAILURE_RATE: rate.default(0.2),
    SIM_RATE_LIMIT_RATE: rate.default(0),
    SIM_INVALID_RATE: rate.default(0),
    SIM_DUPLICATE_RATE: rate.default(0),
    SIM_LATENCY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
    SIM_ID_STYLE: z.enum(ID_STYLES).default("padded"),
    SIM_CLOCK_SKEW_MS: z.coerce
      .number()
      .int()
      .min(-30 * 86_400_000)
      .max(30 * 86_400_000)
      .default(0),
    SIM_FUTURE_RATE: rate.default(0),
    SIM_CURSOR_FAULT: z.enum(CURSOR_FAULTS).default("none"),
    SIM_PAGINATION: z.enum(PAGINATIONS).default("cursor"),
    SIM_CHURN_UPDATES: z.coerce.number().int().min(0).max(MAX_CHURN).default(0),
    SIM_CHURN_CREATES: z.coerce.number().int().min(0).max(MAX_CHURN).default(0),
    SIM_CHURN_DELETES: z.coerce.number().int().min(0).max(MAX_CHURN).default(0),
    ...upstreamSettings(),
  })
  .superRefine((c, ctx) => {
    const beat = heartbeatSeconds(c);
    if (c.SYNC_LEASE_SECONDS < beat * 3)
      ctx.addIssue({
        code: "custom",
        path: ["SYNC_LEASE_SECONDS"],
        message: `must be at least 3 heartbeats (${beat * 3} s with SYNC_HEARTBEAT_SECONDS=${beat}), or a live run could lose its lease`,
      });
  })
  .superRefine(checkUpstream);

/** The heartbeat interval in seconds: configured, or a quarter of the lease. */
export function heartbeatSeconds(c: { SYNC_LEASE_SECONDS: number; SYNC_HEARTBEAT_SECONDS?: number }): number {
  return c.SYNC_HEARTBEAT_SECONDS ?? c.SYNC_LEASE_SECONDS / 4;
}

export type Config = z.infer<typeof configSchema>;

/** Validates raw settings (strings from env or vars); throws one readable error listing every bad one. */
export function parseConfig(raw: Record<string, unknown>): Config {
  // Empty strings mean "unset", as in a shell `FOO=`.
  const cleaned = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== "" && v !== undefined));
  const result = configSchema.safeParse(cleaned);
  if (!result.success) {
    throw new Error(`Invalid configuration:\n${describeIssues(result.error)}`);
  }
  return result.data;
}

export type UpstreamKind = "simulator" | "http" | "github";

/** Which upstream this instance syncs: UPSTREAM when set, else the HTTP contract when UPSTREAM_URL is, else the simulator. */
export function upstreamKind(config: Config): UpstreamKind {
  return config.UPSTREAM ?? (config.UPSTREAM_URL ? "http" : "simulator");
}

function upstreamSettings() {
  return {
    UPSTREAM: z.enum(["simulator", "http", "github"]).optional(),
    // owner/name; checked against GitHub's naming rules in checkUpstream.
    GITHUB_REPO: z.string().trim().optional(),
    // A secret: trimmed (a copied token often ends in a newline), never echoed by any message.
    GITHUB_TOKEN: z
      .string()
      .trim()
      .refine((v) => !/\s/.test(v), "GITHUB_TOKEN contains whitespace; paste the token alone")
      .optional(),
    GITHUB_IN_PROGRESS_LABEL: z.string().trim().min(1).max(100).default("in progress"),
    GITHUB_API_URL: z
      .url({ protocol: /^https?$/, error: "GITHUB_API_URL must be an http(s) URL" })
      .refine(withoutCredentials, `GITHUB_API_URL ${CREDENTIALS}`)
      .default("https://api.github.com"),
  };
}

/** The upstream settings make sense together, or start-up stops with a message saying what to set. */
function checkUpstream(
  c: z.infer<z.ZodObject<ReturnType<typeof upstreamSettings>>> & { UPSTREAM_URL?: string },
  ctx: z.RefinementCtx,
): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  const kind = c.UPSTREAM ?? (c.UPSTREAM_URL ? "http" : "simulator");
  if (kind === "github") {
    if (!c.GITHUB_REPO) issue("GITHUB_REPO", "UPSTREAM=github needs GITHUB_REPO=owner/name");
    else if (!parseRepo(c.GITHUB_REPO))
      issue("GITHUB_REPO", "GITHUB_REPO must be owner/name, e.g. octocat/hello-world");
    if (c.UPSTREAM_URL)
      issue("UPSTREAM_URL", "UPSTREAM_URL is for UPSTREAM=http; GitHub Enterprise uses GITHUB_API_URL");
    return;
  }
  if (kind === "http" && !c.UPSTREAM_URL) issue("UPSTREAM_URL", "UPSTREAM=http needs UPSTREAM_URL");
  if (kind === "simulator" && c.UPSTREAM_URL)
    issue("UPSTREAM_URL", "UPSTREAM=simulator ignores UPSTREAM_URL; unset one");
  if (c.GITHUB_REPO)
    issue("GITHUB_REPO", `GITHUB_REPO is set but UPSTREAM is ${kind}; set UPSTREAM=github to sync GitHub`);
}
