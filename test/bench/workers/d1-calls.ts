// Runs in the Workers pool (test/bench/d1-calls.ts starts it): a 50,000-task full sync on D1 with the real
// engine, 500-task pages (100 pages: more than one slice), driven slice by slice with the service's own slice
// budget as its Workflow does, every call counted at the D1 binding. Prints one `bench-result {…}` line.
import { env } from "cloudflare:test";
import { expect, it } from "vitest";
import { createD1Db } from "../../../db/d1";
import { getRun } from "../../../db/sync-runs";
import { advanceRun } from "../../../functions/sync/advance";
import { startSync } from "../../../functions/sync/engine";
import { buildHarness, resetDb } from "../../shared/harness";
import { countingD1 } from "../../workers/counting-d1";

const TASKS = 50_000;
const PAGE = 500;

it(`counts D1 calls per page of a ${TASKS}-task full sync`, async () => {
  await resetDb(createD1Db(env.DB));
  const { binding, count } = countingD1(env.DB);
  const db = createD1Db(binding);
  const h = buildHarness(db, "d1", { sim: { total: TASKS }, env: { SYNC_PAGE_SIZE: String(PAGE) } });
  const engine = h.engine();
  const started = await startSync(engine, { trigger: "manual" });
  if (started.kind !== "started") throw new Error(started.kind);
  const startCalls = count.calls;
  let slices = 0;
  let maxSliceStatements = 0;
  for (;;) {
    const before = count.statements;
    const slice = await advanceRun(engine, started.run.id, engine.settings.slice);
    slices++;
    maxSliceStatements = Math.max(maxSliceStatements, count.statements - before);
    if (slice.ended) break;
  }
  const run = (await getRun(createD1Db(env.DB), started.run.id))!;
  expect(run).toMatchObject({ status: "success", fetched: TASKS, created: TASKS, pages: TASKS / PAGE });
  const figures = {
    "sync.d1_calls_per_page": count.calls / run.pages,
    "sync.d1_statements_per_page": count.statements / run.pages,
    "sync.d1_start_calls": startCalls,
    "sync.d1_slices": slices,
    "sync.d1_max_slice_statements": maxSliceStatements,
  };
  console.log(`bench-result ${JSON.stringify(figures)}`);
}, 600_000);
