// Starts the real service for browser tests (the Node entry on a fresh libSQL file, from source or from the build,
// or the Workers entry under `wrangler dev` on a fresh local D1), with the built-in simulator, and stops it.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export type TestServer = {
  url: string;
  /** The libSQL file the Node server uses (WAL mode, so a test can write to it while the server runs). */
  dbFile: string;
  /** The folder holding the database (the Workers runtime keeps its local D1 under it). */
  dir: string;
  /** What the server has printed so far. */
  output: () => string;
  /** The server's process group (npx and the processes it starts), e.g. to read the server's memory. */
  pgid: number;
  /** fetch against the server with a JSON body; the Origin header makes mutating calls same-origin. */
  api: (path: string, init?: { method?: string; body?: unknown }) => Promise<Response>;
  stop: () => Promise<void>;
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
    try {
      const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`server did not answer /api/health within 60 s:\n${output()}`);
}

const SERVICE_ENV = { LOG_LEVEL: "warn", SIM_FAILURE_RATE: "0", SIM_TOTAL: "120" };

/**
 * Polls run `id` every `everyMs` until it is no longer running, or `timeoutMs` has passed, and answers its last
 * state (a run answered 202 goes on after the request that started it).
 */
export async function runWhenDone<T extends { status: string }>(
  server: TestServer,
  id: number,
  { timeoutMs = 90_000, everyMs = 500 } = {},
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const run = await getPatiently<T>(server, `/api/sync/runs/${id}`, until);
    if (run.status !== "running" || Date.now() > until) return run;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * How long a poll waits for its answer. Under `wrangler dev`, a request that arrives while a Workflow step runs can
 * go unanswered until the client gives up, and the next one is answered (see test/bench/workflow.ts).
 */
const POLL_ANSWER_MS = 5_000;

/** GETs `path`'s JSON, asking again whenever an answer takes longer than POLL_ANSWER_MS, until `until`. */
export async function getPatiently<T>(
  server: TestServer,
  path: string,
  until = Date.now() + 90_000,
): Promise<T> {
  for (;;) {
    try {
      const res = await fetch(`${server.url}${path}`, { signal: AbortSignal.timeout(POLL_ANSWER_MS) });
      return (await res.json()) as T;
    } catch (err) {
      if ((err as Error).name !== "TimeoutError" || Date.now() > until) throw err;
    }
  }
}

/** wrangler quiet and offline: no metrics, no prompts, no fetch of `request.cf` data (see functions/dev/local.ts). */
export const WRANGLER_ENV = {
  WRANGLER_SEND_METRICS: "false",
  CI: "true",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
};

/** The heap flags `npm start` and the image run the service with (package.json, Dockerfile). */
export const SERVICE_HEAP_FLAGS = ["--max-old-space-size=96", "--max-semi-space-size=4"];

/** Builds dist/node.mjs and its write thread's entry (`npm run build:server`), as `npm start` does first. */
export function buildServer(): void {
  const build = spawnSync("npm", ["run", "build:server"], { cwd: ROOT, encoding: "utf8" });
  if (build.status !== 0)
    throw new Error(`server build failed (${build.status}):\n${build.stdout}${build.stderr}`);
}

/**
 * Where a test server runs: the Node entry from source (tsx), the Node build as `npm start` runs it (buildServer
 * must have run), or the Workers entry under `wrangler dev`.
 */
export type Runtime = "node" | "build" | "workers";

/** The command that serves the app on `port` over a fresh database in `dir` (migrated first on Workers). */
function serviceCommand(runtime: Runtime, port: number, dir: string, env: Record<string, string>) {
  if (runtime !== "workers") {
    // The build is started as `npm start` starts it, with no npx between (its process group is the server alone).
    const [bin, args] =
      runtime === "node"
        ? ["npx", ["tsx", "functions/node.ts"]]
        : [process.execPath, [...SERVICE_HEAP_FLAGS, join(ROOT, "dist/node.mjs")]];
    return {
      bin,
      args,
      env: {
        PORT: String(port),
        DATABASE_URL: `file:${join(dir, "e2e.db")}`,
        SYNC_CRON: "off",
        ...SERVICE_ENV,
        ...env,
      },
    };
  }
  const wranglerEnv = { ...process.env, ...WRANGLER_ENV };
  const migrate = spawnSync(
    "npx",
    ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", dir],
    {
      cwd: ROOT,
      env: wranglerEnv,
      encoding: "utf8",
    },
  );
  if (migrate.status !== 0) throw new Error(`D1 migrations failed:\n${migrate.stdout}${migrate.stderr}`);
  const vars = Object.entries({ ...SERVICE_ENV, ...env }).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  return {
    bin: "npx",
    args: ["wrangler", "dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", dir, ...vars],
    env: WRANGLER_ENV,
  };
}

/** Starts the service on a free port with a fresh database; extra env overrides the defaults. */
export async function startServer(
  env: Record<string, string> = {},
  runtime: Runtime = "node",
  /** The server's working directory (the project root unless a test says otherwise). */
  cwd = ROOT,
): Promise<TestServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "tasksync-e2e-"));
  const dbFile = join(dir, "e2e.db");
  const url = `http://127.0.0.1:${port}`;
  const command = serviceCommand(runtime, port, dir, env);
  const child = spawn(command.bin, command.args, {
    cwd,
    // Its own process group, so stop() ends npx and what it starts together.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...command.env },
  });
  let log = "";
  child.stdout?.on("data", (chunk) => {
    log += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    log += chunk;
  });

  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      const exited = new Promise((r) => child.once("exit", r));
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // Already gone.
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitForHealth(url, child, () => log);
  } catch (err) {
    await stop();
    throw err;
  }

  const api = (path: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${url}${path}`, {
      method: init.method ?? "GET",
      headers: { origin: url, "content-type": "application/json" },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(60_000),
    });

  return { url, dbFile, dir, output: () => log, pgid: child.pid!, api, stop };
}
