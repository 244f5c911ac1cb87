// The hostile upstream behaviours again, with every run driven by the Cloudflare Workflow on D1 (one step per
// slice, 50-task pages, two pages a slice): the database must mirror upstream as it does with one long slice.
// The expected tasks come from a twin of the entry's simulator (same settings, same seed, same changes).
import { env, introspectWorkflowInstance } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createD1Db } from "../../db/d1";
import { getRun } from "../../db/sync-runs";
import { Simulator } from "../../functions/simulator/dataset";
import type { SimConfigPatch } from "../../functions/simulator/settings";
import { resetDb } from "../shared/harness";
import { liveRows, snapshotRows } from "../shared/sync-checks";
import { callSimulator, startRun } from "./workflow-support";

const db = () => createD1Db(env.DB);

async function simulator(path: string, method: string, body: unknown) {
  const res = await callSimulator(path, method, body);
  expect(res.status).toBe(200);
  return res.json();
}

/** A full sync run by a Workflow instance to its end; the run's row. */
async function syncByWorkflow() {
  const runId = await startRun(db());
  await using instance = await introspectWorkflowInstance(env.SYNC_WORKFLOW, `run-${runId}`);
  await instance.modify(async (m) => {
    await m.disableSleeps();
    await m.disableRetryDelays();
  });
  await env.SYNC_WORKFLOW.create({ id: `run-${runId}`, params: { runId } });
  await instance.waitForStatus("complete");
  return (await getRun(db(), runId))!;
}

/**
 * Stored live tasks against the twin's valid ones; a task upstream now serves invalid keeps its stored row, so
 * it is left out. `versions`: compare upstream's version stamps too.
 */
async function expectMirrorsTwin(twin: Simulator, versions: boolean) {
  const strip = <T extends { remote_updated_at?: string }>({ remote_updated_at, ...r }: T) =>
    versions ? { remote_updated_at, ...r } : r;
  const invalid = new Set(twin.invalidIds());
  const live = (await liveRows(db()))
    .filter((r) => !invalid.has(r.external_id))
    .map(({ deleted_at: _, ...r }) => strip(r));
  expect(live).toEqual(snapshotRows(twin).map(strip));
}

const behaviours: Array<[string, SimConfigPatch]> = [
  ["duplicates within and across pages", { duplicate_rate: 0.2 }],
  ["invalid records among valid ones", { invalid_rate: 0.1 }],
  ["numeric ids (text order differs from upstream's)", { id_style: "numeric" }],
  ["uuid ids (no order at all)", { id_style: "uuid" }],
  [
    "a clock two days behind, with future-dated records",
    { clock_skew_ms: -2 * 86_400_000, future_rate: 0.1 },
  ],
  [
    "transient failures retried inside a step",
    { failure_rate: 0.15, failure_kinds: ["http_500", "http_503"] },
  ],
  ["page-number pagination (deletions confirmed one by one)", { pagination: "page" }],
];

describe("hostile upstreams, every run driven by the Workflow on D1", () => {
  behaviours.forEach(([name, patch], i) => {
    it(`${name}: mirrors upstream, then applies its changes and deletions`, async () => {
      await resetDb(db());
      // A seed of its own resets the entry's simulator to version 0 of a new dataset.
      const settings: SimConfigPatch = {
        total: 240,
        seed: 9000 + i,
        failure_rate: 0,
        rate_limit_rate: 0,
        invalid_rate: 0,
        duplicate_rate: 0,
        future_rate: 0,
        clock_skew_ms: 0,
        id_style: "padded",
        pagination: "cursor",
        fail_next: [],
        ...patch,
      };
      await simulator("config", "PUT", settings);
      const twin = new Simulator(settings);
      // Quarantined records make a run partial (it says how many), whatever else it did.
      const ended = patch.invalid_rate ? "partial" : "success";

      const first = await syncByWorkflow();
      expect(first.status).toBe(ended);
      expect(first.created).toBe(snapshotRows(twin).length);
      await expectMirrorsTwin(twin, true);

      const stored = new Set((await liveRows(db())).map((r) => r.external_id));
      const change = { updates: 12, creates: 7, deletes: 9 };
      await simulator("advance", "POST", change);
      twin.advance(change);
      const listed = new Set([...snapshotRows(twin).map((r) => r.external_id), ...twin.invalidIds()]);
      const second = await syncByWorkflow();
      expect(second.status).toBe(ended);
      // Stored here and gone upstream (a task served invalid is still listed: it is not absent).
      expect(second.deleted).toBe([...stored].filter((id) => !listed.has(id)).length);
      expect(second.deleted).toBeGreaterThan(0);
      // The entry's simulator stamps changes with its own clock: the twin's stamps differ by milliseconds.
      await expectMirrorsTwin(twin, false);
    });
  });
});
