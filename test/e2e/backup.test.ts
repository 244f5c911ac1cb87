// The backup README's Operating it describes: `VACUUM INTO` from another connection while the Node service is
// mid-sync gives one consistent snapshot (every committed page, nothing of the page being written), and a service
// started on that copy recovers: the run caught in flight is abandoned when its lease expires, and the next sync
// completes the mirror.
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createClient } from "@libsql/client";
import { afterAll, describe, expect, it } from "vitest";
import { committedRows, databaseFile } from "./db-faults";
import { startServer, type TestServer } from "./server";

const TOTAL = 20_000;
const live = databaseFile();
const restored = databaseFile();
const servers: TestServer[] = [];

afterAll(async () => {
  for (const s of servers) await s.stop();
  live.remove();
  restored.remove();
});

type Run = { id: number; status: string; progress: { pages: number } | null };

describe("an online backup of the Node service's database", () => {
  it("is consistent while a sync writes, and a service restored from it recovers", async () => {
    const env = {
      SIM_TOTAL: String(TOTAL),
      SIM_LATENCY_MS: "20",
      SYNC_PAGE_SIZE: "200",
      SYNC_COMMIT_RECORDS: "200",
      SYNC_LEASE_SECONDS: "5",
    };
    const service = await startServer({ DATABASE_URL: live.url, ...env });
    servers.push(service);
    const syncing = service.api("/api/sync", { method: "POST", body: { mode: "full" } });
    let status: Run;
    do {
      await sleep(50);
      status = (await (await service.api("/api/sync/status")).json()) as Run;
    } while ((status.progress?.pages ?? 0) < 10);

    const copy = join(live.dir, "backup.db");
    const client = createClient({ url: live.url });
    await client.execute({ sql: "VACUUM INTO ?", args: [copy] });
    client.close();
    const finished = await syncing;
    expect(finished.status).toBe(200);

    // The snapshot holds whole commits: the run's counters and the rows they counted, nothing half-written.
    const [check] = await committedRows<{ integrity_check: string }>(copy, "pragma integrity_check");
    expect(check?.integrity_check).toBe("ok");
    const [snap] = await committedRows<{ status: string; created: number; pages: number; tasks: number }>(
      copy,
      `select status, created, pages, (select count(*) from tasks) as tasks from sync_runs where id = ${status.id}`,
    );
    expect(snap).toMatchObject({ status: "running", tasks: snap!.created });
    expect(snap!.pages).toBeGreaterThanOrEqual(10);
    expect(snap!.tasks).toBeLessThan(TOTAL);

    copyFileSync(copy, restored.file);
    const replacement = await startServer({ DATABASE_URL: restored.url, ...env });
    servers.push(replacement);
    // The run the backup caught holds the lease until it expires (at most SYNC_LEASE_SECONDS): then the next run
    // takes over and marks it abandoned.
    let res: Response;
    const until = Date.now() + 15_000;
    do {
      res = await replacement.api("/api/sync", { method: "POST", body: { mode: "full" } });
      if (res.status === 409) await sleep(500);
    } while (res.status === 409 && Date.now() < until);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "success", counts: { fetched: TOTAL } });
    const caught = (await (await replacement.api(`/api/sync/runs/${status.id}`)).json()) as Run;
    expect(caught.status).toBe("abandoned");
    const [{ n }] = await committedRows<{ n: number }>(restored.file, "select count(*) as n from tasks");
    expect(n).toBe(TOTAL);
  }, 90_000);
});
