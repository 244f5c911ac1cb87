// The Node build as `npm start` and the container run it: dist/node.mjs and its write thread's compiled entry,
// finding wrangler.toml, the migrations and the dashboard from the project root, with no TypeScript loader.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer, startServer, type TestServer } from "./server";

let server: TestServer;

beforeAll(async () => {
  // Built here, so the test never runs a build older than the sources.
  buildServer();
  server = await startServer({ SIM_TOTAL: "1200", SYNC_PAGE_SIZE: "100" }, "build");
});

afterAll(async () => {
  await server?.stop();
});

/** The command lines of the processes in the server's process group. */
function groupCommands(pgid: number): string[] {
  const commands: string[] = [];
  for (const pid of spawnSync("pgrep", ["-g", String(pgid)], { encoding: "utf8" }).stdout.split("\n")) {
    if (!pid) continue;
    try {
      commands.push(readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " "));
    } catch {
      // The process ended while we looked.
    }
  }
  return commands;
}

describe("the built Node service", () => {
  it("runs from dist/node.mjs without tsx", () => {
    const commands = groupCommands(server.pgid);
    expect(commands.some((c) => c.includes("dist/node.mjs"))).toBe(true);
    expect(commands.filter((c) => c.includes("tsx"))).toEqual([]);
  });

  it("migrates its database, syncs through its write thread and serves the API and the dashboard", async () => {
    const health = (await (await server.api("/api/health")).json()) as { status: string };
    expect(health.status).toBe("ok");

    // Twelve pages in commits on the write thread, whose compiled entry the build must have found.
    const run = (await (
      await server.api("/api/sync", { method: "POST", body: { mode: "full" } })
    ).json()) as {
      status: string;
      counts: { created: number };
    };
    expect(run).toMatchObject({ status: "success", counts: { created: 1200 } });

    const page = (await (await server.api("/api/tasks?limit=5&sort=external_id")).json()) as {
      results: { external_id: string }[];
      count: number;
      count_exact: boolean;
    };
    expect(page.results).toHaveLength(5);
    expect(page).toMatchObject({ count: 1000, count_exact: false });

    const dashboard = await fetch(`${server.url}/`);
    expect(dashboard.headers.get("content-type")).toContain("text/html");
    expect(await dashboard.text()).toContain('<div id="app">');
  });

  it("finds its files from any working directory (a service manager may start it anywhere)", async () => {
    const elsewhere = await startServer({}, "build", tmpdir());
    try {
      const health = await elsewhere.api("/api/health");
      expect(health.status, await health.text()).toBe(200);
      const page = await (await fetch(`${elsewhere.url}/`)).text();
      expect(page).toContain('<div id="app">');
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(page)?.[1];
      const asset = await fetch(`${elsewhere.url}${script}`);
      expect(asset.headers.get("content-type")).toContain("javascript");
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(0);
    } finally {
      await elsewhere.stop();
    }
  });
});
