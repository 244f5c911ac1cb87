// Issue 9's items about time, in the hostile upstreams suite (hostile-upstream.suite.ts): a run keeps its lease
// through a slow page, Retry-After values are capped and still back off, a run that lost its lease says so, and the
// configuration refuses a lease its heartbeat cannot keep. Run on libSQL and D1 like the rest of the suite.
import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { acquireLease, holdLeaseStatements, renewLease } from "../../db/lease";
import { parseConfig } from "../../functions/config";
import { httpUpstream, type MakeHarness, PAGE_BY_PAGE } from "./harness";
import { sync } from "./sync-checks";

/** Registers items 9 to 12 inside the caller's describe. */
export function leaseAndBackoffTests(make: MakeHarness) {
  it("item 9: a live run with a 5 s lease and a 7 s page keeps its lease (heartbeat)", async () => {
    const h = await make({
      sim: { total: 10, latency_ms: 7_000 },
      env: { SYNC_LEASE_SECONDS: "5", UPSTREAM_TIMEOUT_MS: "20000" },
      clock: () => new Date(),
    });
    const running = sync(h);
    await new Promise((r) => setTimeout(r, 6_000));
    const second = await sync(h);
    expect(second.status).toBe(409);
    expect(second.json.error?.code).toBe("sync_in_progress");
    const { run } = await running;
    expect(run.status).toBe("success");
  }, 20_000);

  it("item 9: a heartbeat that commits after a rate-limit hold does not cut the hold short", async () => {
    const h = await make({});
    const now = "2026-06-01T00:00:00.000Z";
    const held = "2026-06-01T01:00:00.000Z";
    const started = await acquireLease(h.db, {
      now,
      leaseExpiresAt: "2026-06-01T00:01:00.000Z",
      trigger: "manual",
      mode: "full",
    });
    if (!started.acquired) throw new Error("lease not acquired");
    const runId = started.run.id;
    // The slice holds the lease for an hour's rate limit; a heartbeat already in flight then renews for one lease.
    const [hold, stamp] = holdLeaseStatements(h.db, runId, now, held);
    await h.db.batch([hold!, stamp!]);
    await renewLease(h.db, runId, now, "2026-06-01T00:01:00.000Z");
    const [lock] = await h.db.all<{ lease_expires_at: string }>(sql`select lease_expires_at from sync_lock`);
    expect(lock?.lease_expires_at).toBe(held);
  });

  it("item 10: Retry-After far in the future defers by the cap with a valid next_allowed_at", async () => {
    for (const value of ["99999999999999", "Fri, 31 Dec 9999 23:59:59 GMT"]) {
      const h = await make({
        upstream: httpUpstream("http://upstream.test", async () =>
          Response.json({}, { status: 429, headers: { "retry-after": value } }),
        ),
        env: { SYNC_MAX_DEFER_SECONDS: "600" },
      });
      const before = Date.now();
      const { run } = await sync(h);
      expect(run.status).toBe("deferred");
      expect(run.message).not.toMatch(/internal|RangeError/i);
      const next = Date.parse(run.next_allowed_at!);
      expect(next).toBeGreaterThan(before);
      expect(next).toBeLessThanOrEqual(Date.now() + 600_000);
    }
  });

  it("item 10: Retry-After 0 still backs off between attempts", async () => {
    const h = await make({ sim: { total: 5, rate_limit_rate: 1, retry_after_s: 0 } });
    const { run } = await sync(h);
    expect(run.status).toBe("deferred");
    expect(h.sleeps.length).toBe(3);
    expect(h.sleeps.every((ms) => ms >= 125)).toBe(true);
  });

  it("item 11: a run that lost its lease is answered 409 run_abandoned, not 502", async () => {
    let taken = false;
    const h = await make({
      sim: { total: 60 },
      env: { ...PAGE_BY_PAGE, SYNC_PAGE_SIZE: "20" },
      afterPage: async () => {
        if (taken) return;
        taken = true;
        // Another process takes the lease over, as if ours had expired.
        await h.db.run(sql`update sync_lock set lease_expires_at = '2000-01-01T00:00:00.000Z'`);
        const other = await acquireLease(h.db, {
          now: new Date().toISOString(),
          leaseExpiresAt: new Date(Date.now() + 60_000).toISOString(),
          trigger: "manual",
          mode: "full",
        });
        expect(other.acquired).toBe(true);
      },
    });
    const { status, json, run } = await sync(h);
    expect(status).toBe(409);
    expect(json.error?.code).toBe("run_abandoned");
    expect(run.status).toBe("abandoned");
  });

  it("item 12: the configuration refuses a lease too short for its heartbeat", () => {
    expect(() => parseConfig({ SYNC_LEASE_SECONDS: "5", SYNC_HEARTBEAT_SECONDS: "2" })).toThrow(
      /SYNC_LEASE_SECONDS: must be at least 3 heartbeats/,
    );
    expect(parseConfig({ SYNC_LEASE_SECONDS: "5" }).SYNC_LEASE_SECONDS).toBe(5);
  });
}
