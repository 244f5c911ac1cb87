// Parses the service configuration once, from Node's env or the Workers bindings; nothing else reads env.
import { z } from "zod";
import { hostName } from "./http/host-guard";
import { describeIssues } from "./http/issues";

const rate = z.coerce.number().min(0).max(1);
const optionalUrl = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .pipe(z.url().optional())
  .optional();

export const configSchema = z.object({
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
  UPSTREAM_URL: optionalUrl,
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(10).max(120_000).default(10_000),
  SYNC_CRON: z.string().trim().optional(),
  SYNC_LEASE_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
  SYNC_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(500),
  // A full sync refuses to delete more than this share of active tasks at once.
  SYNC_MAX_DELETE_SHARE: rate.default(0.5),
  // Longest Retry-After wait a run sits through before it ends `deferred`.
  SYNC_MAX_RETRY_WAIT_SECONDS: z.coerce.number().min(0).max(600).default(30),
  API_TOKEN: z.string().min(16, "API_TOKEN must be at least 16 characters").optional(),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  SIM_SEED: z.coerce.number().int().default(42),
  SIM_TOTAL: z.coerce.number().int().min(0).max(5_000_000).default(500),
  SIM_FAILURE_RATE: rate.default(0.2),
  SIM_RATE_LIMIT_RATE: rate.default(0),
  SIM_INVALID_RATE: rate.default(0),
  SIM_DUPLICATE_RATE: rate.default(0),
  SIM_LATENCY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
});

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
