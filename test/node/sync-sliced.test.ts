// The sync contract again, with every run advanced one page per slice: a sliced listing is still one listing
// (same counts, same deletions, same end states) as one long slice.
import { describe } from "vitest";
import type { HarnessOptions } from "../shared/harness";
import { hostileUpstreamSuite } from "../shared/hostile-upstream.suite";
import { syncSuite } from "../shared/sync.suite";
import { createTestApp } from "./support";

const sliced = (options: HarnessOptions = {}) =>
  createTestApp({ ...options, env: { SYNC_SLICE_PAGES: "1", ...options.env } });

describe("sync on libSQL, one page per slice", () => {
  syncSuite(sliced);
  hostileUpstreamSuite(sliced);
});
