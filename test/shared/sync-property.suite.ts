// Property: any sequence of upstream changes, syncs, user deletes/restores and fault settings keeps the
// invariants after every run, and one clean full sync at the end mirrors upstream (minus the user's deletions).
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { MakeHarness } from "./harness";
import { expectRunInvariants, liveRows, snapshotRows, sync } from "./sync.suite";

type Command =
  | { op: "advance"; updates: number; creates: number; deletes: number }
  | { op: "sync"; mode: "full" | "incremental" }
  | { op: "userDelete"; pick: number }
  | { op: "restore"; pick: number }
  | { op: "faults"; failure_rate: number; duplicate_rate: number; invalid_rate: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    op: fc.constant("advance" as const),
    updates: fc.nat(6),
    creates: fc.nat(6),
    deletes: fc.nat(3),
  }),
  fc.record({
    op: fc.constant("sync" as const),
    mode: fc.constantFrom("full" as const, "incremental" as const),
  }),
  fc.record({ op: fc.constant("userDelete" as const), pick: fc.nat(1000) }),
  fc.record({ op: fc.constant("restore" as const), pick: fc.nat(1000) }),
  fc.record({
    op: fc.constant("faults" as const),
    failure_rate: fc.constantFrom(0, 0.2, 0.5),
    duplicate_rate: fc.constantFrom(0, 0.5),
    invalid_rate: fc.constantFrom(0, 0.05),
  }),
);

export function syncPropertySuite(make: MakeHarness, numRuns: number) {
  describe("sync property", () => {
    it("random histories keep the invariants and converge to upstream", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(command, { minLength: 1, maxLength: 14 }),
          fc.integer({ min: 1, max: 1000 }),
          async (cmds, seed) => {
            const h = await make({
              sim: { total: 60, seed },
              env: { SYNC_PAGE_SIZE: "16", SYNC_MAX_DELETE_SHARE: "1" },
            });
            const userDeleted = new Set<string>();
            for (const cmd of cmds) {
              if (cmd.op === "advance") {
                const live = h.simulator.liveCount();
                h.simulator.advance({
                  updates: Math.min(cmd.updates, live),
                  creates: cmd.creates,
                  deletes: Math.min(cmd.deletes, Math.max(0, live - Math.min(cmd.updates, live))),
                });
              } else if (cmd.op === "sync") {
                const { status, run } = await sync(h, { mode: cmd.mode });
                expect([200, 502]).toContain(status);
                expect(run.status).not.toBe("running");
                await expectRunInvariants(h.db, run);
              } else if (cmd.op === "userDelete") {
                const rows = await liveRows(h.db);
                const row = rows[cmd.pick % Math.max(rows.length, 1)];
                if (!row) continue;
                await h.db.run(sql`update tasks set deleted_at = ${new Date().toISOString()}, deleted_by = 'user'
                where external_id = ${row.external_id}`);
                userDeleted.add(row.external_id);
              } else if (cmd.op === "restore") {
                const ids = [...userDeleted];
                const id = ids[cmd.pick % Math.max(ids.length, 1)];
                if (!id) continue;
                await h.db.run(
                  sql`update tasks set deleted_at = null, deleted_by = null where external_id = ${id}`,
                );
                userDeleted.delete(id);
              } else {
                h.simulator.configure({
                  failure_rate: cmd.failure_rate,
                  duplicate_rate: cmd.duplicate_rate,
                  invalid_rate: cmd.invalid_rate,
                  failure_kinds: ["http_500", "http_503", "malformed"],
                });
              }
            }
            h.simulator.configure({ failure_rate: 0, invalid_rate: 0, duplicate_rate: 0 });
            const final = await sync(h, { mode: "full" });
            expect(final.run.status).toBe("success");
            await expectRunInvariants(h.db, final.run);
            const expected = snapshotRows(h.simulator).filter((r) => !userDeleted.has(r.external_id));
            const live = (await liveRows(h.db)).map(({ deleted_at: _, ...r }) => r);
            expect(live).toEqual(expected);
          },
        ),
        { numRuns, seed: 20261124 },
      );
    });
  });
}
