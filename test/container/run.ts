// `npm run test:container`: builds the Dockerfile with podman and runs the image for real — health, a sync,
// a graceful stop, a restart on the same volume with the data kept — then the compose file the same way.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkCompose } from "./compose";
import { call, freePort, waitForHealth } from "./http";
import { podman, withPodmanEnv } from "./podman";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const IMAGE = "localhost/task-sync:test";
const SUFFIX = randomBytes(4).toString("hex");
// Deterministic upstream: no simulated faults, a known number of tasks.
const TEST_ENV = { SIM_FAILURE_RATE: "0", SIM_TOTAL: "300", SYNC_CRON: "off" };

type Check = { name: string; ok: boolean; detail?: string; ms: number };
const checks: Check[] = [];

async function check(name: string, body: () => Promise<string | undefined> | string | undefined) {
  const started = Date.now();
  try {
    const detail = await body();
    checks.push({ name, ok: true, detail, ms: Date.now() - started });
    console.log(`  ✓ ${name}${detail ? ` (${detail})` : ""} ${Date.now() - started} ms`);
  } catch (err) {
    checks.push({ name, ok: false, detail: String(err), ms: Date.now() - started });
    console.log(`  ✗ ${name}\n${String(err)}`);
    throw err;
  }
}

/** The FROM the Dockerfile names, made locally from debootstrap and this machine's node when missing. */
function baseImage(): string {
  const from = /^FROM\s+(\S+)/m.exec(readFileSync(join(ROOT, "Dockerfile"), "utf8"))?.[1];
  if (!from) throw new Error("Dockerfile has no FROM");
  const made = withPodmanEnv("bash", [join(ROOT, "test/container/base-image.sh"), from], ROOT, {
    timeoutMs: 900_000,
  });
  if (made.status !== 0) throw new Error(`base image: ${made.stdout}${made.stderr}`);
  return made.stdout.trim().split("\n").at(-1) ?? "";
}

function build(): string {
  mkdirSync(join(homedir(), ".npm"), { recursive: true });
  // The host's npm cache serves `npm ci` inside the build: no registry needed, and no download twice.
  podman([
    "build",
    "--pull=never",
    "--isolation=chroot",
    "--format=docker",
    "--volume",
    `${join(homedir(), ".npm")}:/root/.npm`,
    "--tag",
    IMAGE,
    ROOT,
  ]);
  const user = podman(["image", "inspect", IMAGE, "--format", "{{.Config.User}}"]).stdout.trim();
  const health = podman([
    "image",
    "inspect",
    IMAGE,
    "--format",
    "{{json .Config.Healthcheck}}",
  ]).stdout.trim();
  if (!user || user === "root" || user === "0") throw new Error(`image runs as ${JSON.stringify(user)}`);
  if (!health.includes("/api/health")) throw new Error(`no HEALTHCHECK on /api/health: ${health}`);
  return `user ${user}`;
}

function start(name: string, volume: string, port: number): void {
  const env = Object.entries(TEST_ENV).flatMap(([k, v]) => ["--env", `${k}=${v}`]);
  podman([
    "run",
    "--detach",
    "--name",
    name,
    "--publish",
    `127.0.0.1:${port}:8787`,
    "--volume",
    `${volume}:/data`,
    ...env,
    IMAGE,
  ]);
}

/** SIGTERM, then the exit code and the time it took; a graceful stop exits 0 well before podman's kill. */
function stopGracefully(name: string): string {
  const started = Date.now();
  podman(["stop", "--time", "20", name]);
  const ms = Date.now() - started;
  const code = podman(["inspect", name, "--format", "{{.State.ExitCode}}"]).stdout.trim();
  const logs = podman(["logs", name]).stdout + podman(["logs", name]).stderr;
  if (code !== "0") throw new Error(`exit code ${code} after SIGTERM:\n${logs.slice(-2000)}`);
  if (!logs.includes('"shutting down"')) throw new Error(`no shutdown log line:\n${logs.slice(-2000)}`);
  if (ms > 15_000) throw new Error(`stop took ${ms} ms`);
  return `exit 0 in ${ms} ms`;
}

async function checkImage(): Promise<void> {
  const volume = `tasksync-test-${SUFFIX}`;
  const first = `tasksync-test-${SUFFIX}-a`;
  const second = `tasksync-test-${SUFFIX}-b`;
  podman(["volume", "create", volume]);
  try {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    await check("starts and answers /api/health; its HEALTHCHECK passes", async () => {
      start(first, volume, port);
      await waitForHealth(base, () => podman(["logs", first], { allowFail: true }).stderr);
      podman(["healthcheck", "run", first]);
      return podman(["inspect", first, "--format", "{{.State.Health.Status}}"]).stdout.trim();
    });
    await check("runs as a non-root user and keeps the database on the volume", () => {
      const uid = podman(["exec", first, "id", "-u"]).stdout.trim();
      if (uid === "0") throw new Error("the server runs as root");
      const owner = podman(["exec", first, "stat", "-c", "%u %n", "/data/tasksync.db"]).stdout.trim();
      if (!owner.startsWith(`${uid} `)) throw new Error(`database file: ${owner}`);
      return `uid ${uid}`;
    });
    await check("syncs the simulator's tasks into the libSQL file", async () => {
      const run = await call(base, "/api/sync", "POST");
      if (run.status !== 200 || run.body.status !== "success") throw new Error(JSON.stringify(run));
      const tasks = await call(base, "/api/tasks?limit=1");
      if (tasks.body.count !== 300) throw new Error(`count ${tasks.body.count}`);
      return "300 tasks";
    });
    await check("stops gracefully on SIGTERM", () => stopGracefully(first));
    await check(
      "restarts on the same volume with the data still there (migrations at boot are a no-op)",
      async () => {
        podman(["rm", first]);
        start(second, volume, port);
        await waitForHealth(base, () => podman(["logs", second], { allowFail: true }).stderr);
        const tasks = await call(base, "/api/tasks?limit=1");
        const status = await call(base, "/api/sync/status");
        if (tasks.body.count !== 300) throw new Error(`count after restart ${tasks.body.count}`);
        if (status.body.status !== "success") throw new Error(JSON.stringify(status.body));
        return stopGracefully(second);
      },
    );
  } finally {
    podman(["rm", "--force", first], { allowFail: true });
    podman(["rm", "--force", second], { allowFail: true });
    podman(["volume", "rm", "--force", volume], { allowFail: true });
  }
}

async function main() {
  const started = Date.now();
  if (spawnSync("podman", ["--version"]).status !== 0)
    throw new Error("podman is not installed (apt-get install podman runc debootstrap)");
  try {
    await check("base image present or made from debootstrap + this machine's node", baseImage);
    await check("the Dockerfile builds (multi-stage, --pull=never)", build);
    await checkImage();
    await checkCompose({ root: ROOT, image: IMAGE, suffix: SUFFIX, env: TEST_ENV, check });
  } finally {
    const passed = checks.filter((c) => c.ok).length;
    console.log(`\ncontainer test: ${Math.round((Date.now() - started) / 1000)} s`);
    console.log(`${passed} passed, ${checks.length - passed} failed`);
  }
}

main().catch(() => {
  process.exitCode = 1;
});
