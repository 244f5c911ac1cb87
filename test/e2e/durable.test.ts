// Durable runs against the real servers (issue 10): a sync that outlives the request answers 202 with its URL,
// and a client that hangs up mid-sync does not stop it — on Node (in-process driver) and on Workers under
// wrangler dev (the Workflow drives it).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPatiently, runWhenDone, startServer, type TestServer } from "./server";

type Run = { id: number; status: string; counts: { fetched: number } };

for (const runtime of ["node", "workers"] as const) {
  describe(`durable runs on ${runtime}`, () => {
    let server: TestServer;
    beforeAll(async () => {
      // 12 pages of 25 at 250 ms each: about 3 s a full sync, longer than the 1 s the API waits.
      server = await startServer(
        {
          SIM_TOTAL: "300",
          SIM_FAILURE_RATE: "0",
          SIM_LATENCY_MS: "250",
          SYNC_PAGE_SIZE: "25",
          SYNC_SLICE_PAGES: "3",
          SYNC_WAIT_SECONDS: "1",
        },
        runtime,
      );
    });
    afterAll(() => server?.stop());

    it("answers 202 with Location for a sync that outlives the wait, and the run finishes", async () => {
      const res = await server.api("/api/sync", { method: "POST", body: { mode: "full" } });
      expect(res.status).toBe(202);
      const run = (await res.json()) as Run;
      expect(run.status).toBe("running");
      expect(res.headers.get("location")).toBe(`/api/sync/runs/${run.id}`);
      const done = await runWhenDone<Run>(server, run.id);
      expect(done).toMatchObject({ status: "success", counts: { fetched: 300 } });
    });

    it("a client that disconnects mid-sync does not stop the run", async () => {
      const hangUp = new AbortController();
      const request = fetch(`${server.url}/api/sync`, {
        method: "POST",
        headers: { origin: server.url, "content-type": "application/json" },
        body: JSON.stringify({ mode: "full" }),
        signal: hangUp.signal,
      }).catch((err: unknown) => err);
      await new Promise((r) => setTimeout(r, 400));
      hangUp.abort();
      expect(await request).toBeInstanceOf(Error);
      const status = await getPatiently<Run>(server, "/api/sync/status");
      const done = await runWhenDone<Run>(server, status.id);
      expect(done.status).toBe("success");
    });
  });
}
