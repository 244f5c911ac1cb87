// What the sync parts of the benchmark share: the simulator upstream in its own process, stopping it, timing.
import { type ChildProcess, spawn } from "node:child_process";

/** The simulator over real HTTP in its own process group, so stopping it also stops what npx started. */
export function startUpstream(port: number, total: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["tsx", "test/bench/upstream-server.ts", String(port), String(total)], {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let out = "";
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes("ready")) resolve(child);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`upstream exited ${code}: ${out.slice(-2000)}`)));
  });
}

export function stop(child: ChildProcess) {
  try {
    process.kill(-child.pid!, "SIGTERM");
  } catch {
    // already gone
  }
}

export async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const value = await fn();
  return [value, (performance.now() - t) / 1000];
}

export const freshPort = () => 8700 + Math.floor(Math.random() * 80);
