// The Node entry refuses a database it cannot use with one line naming the file and the problem, and exit 1.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLibsqlDb } from "../../db/libsql";
import { databaseFile, ROOT } from "./db-faults";

const files: ReturnType<typeof databaseFile>[] = [];
afterAll(() => {
  for (const f of files) {
    chmodSync(f.dir, 0o755);
    f.remove();
  }
});

function fresh() {
  const f = databaseFile();
  files.push(f);
  return f;
}

// Root ignores file modes, so a read-only file is only read-only to the service when it runs as another user.
const asUnprivileged = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

/** Whether `user` can run Node and read the service's entry (not in a checkout inside a 0700 folder). */
function canRunService(user: { uid?: number; gid?: number }): boolean {
  const entry = JSON.stringify(join(ROOT, "functions/node.ts"));
  const probe = spawnSync(process.execPath, ["-e", `require("node:fs").accessSync(${entry})`], user);
  return probe.status === 0;
}

/** Starts the Node entry on `url` and collects what it printed until it exits (or 30 s pass). */
function boot(url: string, user: { uid?: number; gid?: number } = {}) {
  return new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "functions/node.ts"], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: url,
        PORT: String(20_000 + Math.floor(Math.random() * 20_000)),
        SYNC_CRON: "off",
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
      ...user,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => {
      stdout += c;
    });
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

function expectOneLine(
  out: { code: number | null; stderr: string; stdout: string },
  file: string,
  problem: RegExp,
) {
  expect(out.code).toBe(1);
  const lines = out.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(file);
  expect(lines[0]).toMatch(problem);
  expect(out.stderr + out.stdout).not.toMatch(/^\s+at /m);
}

describe("the Node entry at boot", () => {
  it("stops on a read-only database with one line and exit 1", async () => {
    const f = fresh();
    const { close } = await createLibsqlDb(f.url);
    close();
    chmodSync(f.file, 0o444);
    chmodSync(f.dir, 0o555);
    expect(
      canRunService(asUnprivileged),
      `this test runs the service as uid ${asUnprivileged.uid} (root would ignore the file's mode), who cannot read ${ROOT}: make the folders above it readable (chmod o+rx)`,
    ).toBe(true);
    expectOneLine(await boot(f.url, asUnprivileged), f.file, /the database is read-only/);
  });

  it("stops when the database's directory does not exist, instead of creating it", async () => {
    const f = fresh();
    const missing = join(f.dir, "not-mounted", "tasks.db");
    expectOneLine(await boot(`file:${missing}`), missing, /directory .* does not exist/);
  });

  it("stops on a file that is not a SQLite database", async () => {
    const f = fresh();
    writeFileSync(f.file, "this is a spreadsheet, not a database\n".repeat(200));
    expectOneLine(await boot(f.url), f.file, /not a valid SQLite database/);
  });
});
