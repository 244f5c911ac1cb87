// What the sync parts of the benchmark share: the simulator upstream in its own process, stopping it, timing.
import { type ChildProcess, spawn } from "node:child_process";
import { get } from "node:http";

/** One request on a connection of its own (closed after it), so the caller's connection pool stays cold. */
function getOnce(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve(body));
    }).on("error", reject);
  });
}

/** Pages of a listing the simulator answers before it is handed over, following its cursors, each walk. */
const WARM_PAGES = 20;
const WARM_WALKS = 3;

/**
 * The simulator over real HTTP in its own process group, so stopping it also stops what npx started. It walks a
 * listing a few times before it is handed over (cursors and all: page 1 alone left the rest of its code cold, at
 * 3-8 ms a page against ~1 ms warm): a freshly started process runs its first requests cold, a real upstream is
 * a warm server, and the sync under test should not be timed on the simulator's start-up.
 */
export async function startUpstream(port: number, total: number): Promise<ChildProcess> {
  const child = await spawnUpstream(port, total);
  for (let walk = 0; walk < WARM_WALKS; walk++) {
    let cursor: string | null = null;
    for (let page = 0; page < WARM_PAGES; page++) {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const body = JSON.parse(await getOnce(`http://127.0.0.1:${port}/tasks?limit=500${query}`)) as {
        next_cursor: string | null;
      };
      cursor = body.next_cursor;
      if (cursor === null) break;
    }
  }
  return child;
}

function spawnUpstream(port: number, total: number): Promise<ChildProcess> {
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
