// podman as this machine runs it: runc with cgroupfs (crun fails here on cgroups and rlimits), no rlimit
// defaults (containers.conf beside this file), and builds that never pull (no registry is reachable).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const CONTAINERS_CONF = fileURLToPath(new URL("containers.conf", import.meta.url));
export const ENV = { ...process.env, CONTAINERS_CONF };
const GLOBAL_FLAGS = ["--runtime", "runc", "--cgroup-manager", "cgroupfs"];

export type Run = { status: number; stdout: string; stderr: string };

/** Runs podman; throws with its output unless it exits 0 (or `allowFail`). */
export function podman(args: string[], options: { allowFail?: boolean; timeoutMs?: number } = {}): Run {
  const res = spawnSync("podman", [...GLOBAL_FLAGS, ...args], {
    env: ENV,
    encoding: "utf8",
    timeout: options.timeoutMs ?? 600_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const run = {
    status: res.status ?? -1,
    stdout: res.stdout ?? "",
    stderr: res.stderr ?? String(res.error ?? ""),
  };
  if (run.status !== 0 && !options.allowFail) {
    throw new Error(
      `podman ${args.join(" ")} exited ${run.status}:\n${run.stdout.slice(-3000)}${run.stderr.slice(-3000)}`,
    );
  }
  return run;
}

/** Runs a command with podman's settings in its environment (base-image.sh, podman-compose). */
export function withPodmanEnv(
  command: string,
  args: string[],
  cwd: string,
  options: { timeoutMs?: number; env?: Record<string, string> } = {},
): Run {
  const { timeoutMs = 600_000, env = {} } = options;
  const res = spawnSync(command, args, {
    env: { ...ENV, ...env },
    cwd,
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    status: res.status ?? -1,
    stdout: res.stdout ?? "",
    stderr: res.stderr ?? String(res.error ?? ""),
  };
}
