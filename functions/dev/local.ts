// `npm run dev`: builds the dashboard, migrates local D1, runs `wrangler dev` and the local cron driver.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { startCronDriver } from "./cron-driver";

const port = Number(process.env.PORT ?? 8787);
const baseUrl = `http://127.0.0.1:${port}`;
// Miniflare would fetch workers.cloudflare.com/cf.json at each start for `request.cf`, which this service never
// reads: offline that logs ENOTFOUND twice, and nothing should be downloaded at run time (README).
const env = {
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CI: "true",
};
const log = (fields: Record<string, unknown>) =>
  console.log(JSON.stringify({ time: new Date().toISOString(), source: "dev", ...fields }));

function step(cmd: string, args: string[]) {
  log({ msg: "running", cmd: [cmd, ...args].join(" ") });
  const result = spawnSync(cmd, args, { stdio: "inherit", env });
  if (result.status !== 0) {
    log({ msg: "step failed", cmd, status: result.status });
    process.exit(result.status ?? 1);
  }
}

step("npx", ["vite", "build", "--config", "web/vite.config.ts", "--logLevel", "warn"]);
applyMigrations();

/**
 * wrangler prints its whole migrations table again after each migration it applies: on a first start, 17
 * tables and ~700 lines of box drawing before the server starts. One line says the same; all of wrangler's
 * output is shown when it fails.
 */
function applyMigrations() {
  const args = ["wrangler", "d1", "migrations", "apply", "DB", "--local"];
  log({ msg: "running", cmd: ["npx", ...args].join(" ") });
  const result = spawnSync("npx", args, { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (result.status !== 0) {
    process.stdout.write(result.stdout ?? "");
    process.stderr.write(result.stderr ?? "");
    log({ msg: "step failed", cmd: "wrangler d1 migrations apply", status: result.status });
    process.exit(result.status ?? 1);
  }
  const applied = Number(/About to apply (\d+) migration/.exec(result.stdout ?? "")?.[1] ?? 0);
  log({ msg: "migrations applied", applied, folder: "db/migrations", database: ".wrangler/state" });
}

// Forward our env (e.g. UPSTREAM_URL, SIM_FAILURE_RATE, GITHUB_REPO) to the worker: settings as vars, tokens in
// a private file (writeSecrets).
const SECRETS = new Set(["GITHUB_TOKEN", "API_TOKEN", "METRICS_TOKEN"]);
// A sync started from the dashboard or curl runs in the request's own invocation unless SYNC_RUNNER says
// otherwise: under wrangler dev 4.86 a Workflow's timers (a retry's backoff, the simulator's latency) and
// outbound requests wait until the request that created it is answered, so with the simulator's default 20%
// failure rate one sync in five answered 202 after SYNC_WAIT_SECONDS (20 s), the dashboard's requests waited
// with it, and each such wait left ~1,000–2,000 sockets open in workerd: a few in a row reached its 20,000
// file limit, and wrangler died logging "Too many open files" (README, How a run is driven). Cron ticks
// still run through the Workflow.
const devDefaults: Record<string, string> = { SYNC_RUNNER: "in-process" };
const varArgs = Object.entries({ ...devDefaults, ...process.env })
  .filter(([k]) => /^(SIM_|SYNC_|UPSTREAM_|UPSTREAM$|GITHUB_|LOG_LEVEL$)/.test(k) && !SECRETS.has(k))
  .flatMap(([k, v]) => ["--var", `${k}:${v}`]);
const secretFile = writeSecrets();
const wrangler: ChildProcess = spawn(
  "npx",
  [
    "wrangler",
    "dev",
    "--test-scheduled",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    ...varArgs,
    ...(secretFile ? ["--env-file", secretFile.path] : []),
  ],
  { stdio: "inherit", env },
);

/** Secrets go to wrangler in a private env file (0600), not as `--var`: a command line is visible to every user. */
function writeSecrets(): { path: string; remove: () => void } | null {
  const lines = [...SECRETS].flatMap((k) =>
    process.env[k] ? [`${k}=${JSON.stringify(process.env[k])}`] : [],
  );
  if (lines.length === 0) return null;
  const dir = mkdtempSync(join(tmpdir(), "task-sync-dev-"));
  const path = join(dir, "secrets.env");
  writeFileSync(path, `${lines.join("\n")}\n`, { mode: 0o600 });
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

async function waitForHealth() {
  for (let i = 0; i < 120; i++) {
    try {
      const res = await fetch(`${baseUrl}/api/health`);
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

const config = parseToml(readFileSync("wrangler.toml", "utf8")) as { triggers?: { crons?: string[] } };
let stopCrons = () => {};
if (await waitForHealth()) {
  log({ msg: "ready", dashboard: `${baseUrl}/`, api: `${baseUrl}/api/docs` });
  stopCrons = startCronDriver({ crons: config.triggers?.crons ?? [], baseUrl, log });
} else {
  log({ msg: "wrangler dev did not answer /api/health within 60 s" });
}

function shutdown() {
  stopCrons();
  wrangler.kill("SIGTERM");
}
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
wrangler.on("exit", (code) => {
  stopCrons();
  secretFile?.remove();
  process.exit(code ?? 0);
});
