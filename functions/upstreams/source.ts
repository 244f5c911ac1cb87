// What the status card says about the upstream: which one this instance syncs, and its last reported quota.
import type { Db } from "../../db/client";
import { readUpstreamState } from "../../db/upstream-state";
import { type Config, upstreamKind } from "../config";
import type { Quota, UpstreamSource } from "./adapter";
import { githubSource } from "./github/from-config";
import { QUOTA_KEY } from "./github/http";

export function upstreamSource(config: Config): UpstreamSource {
  const kind = upstreamKind(config);
  if (kind === "github") return githubSource(config);
  if (kind === "http")
    return { kind, label: `HTTP · ${new URL(config.UPSTREAM_URL ?? "http://invalid").host}` };
  return { kind, label: "Simulator" };
}

/** The quota GitHub last reported (persisted by the adapter); null for upstreams without one, or before any call. */
export async function upstreamQuota(db: Db, config: Config): Promise<Quota | null> {
  if (upstreamKind(config) !== "github") return null;
  const stored = await readUpstreamState(db, QUOTA_KEY);
  if (!stored) return null;
  try {
    const q = JSON.parse(stored) as Partial<Quota>;
    const valid = Number.isInteger(q.remaining) && Number.isInteger(q.limit) && typeof q.resetAt === "string";
    return valid ? (q as Quota) : null;
  } catch {
    return null;
  }
}
