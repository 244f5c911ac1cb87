// What the status card says about the upstream: which one this instance syncs, and its last reported quota.
import type { Db } from "../../db/client";
import { readUpstreamState } from "../../db/upstream-state";
import { type Config, upstreamKind } from "../config";
import type { Quota, UpstreamSource } from "./adapter";
import { githubSource } from "./github/from-config";
import { parseStoredQuota, quotaKey } from "./github/http";

export function upstreamSource(config: Config): UpstreamSource {
  const kind = upstreamKind(config);
  if (kind === "github") return githubSource(config);
  if (kind === "http")
    return { kind, label: `HTTP · ${new URL(config.UPSTREAM_URL ?? "http://invalid").host}` };
  return { kind, label: "Simulator" };
}

/** The quota GitHub last reported for this token (persisted by the adapter); null for upstreams without one. */
export async function upstreamQuota(db: Db, config: Config): Promise<Quota | null> {
  if (upstreamKind(config) !== "github") return null;
  return parseStoredQuota(await readUpstreamState(db, await quotaKey(config.GITHUB_TOKEN ?? null)));
}
