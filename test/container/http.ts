// The little HTTP the container test needs: a free loopback port and waiting for /api/health.
import http from "node:http";
import { createServer } from "node:net";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls /api/health until it answers 200; the container's log is shown if it never does. */
export async function waitForHealth(base: string, log: () => string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${base}/api/health did not answer within ${timeoutMs} ms:\n${log().slice(-3000)}`);
}

/**
 * One request on a connection of its own. Minutes can pass between the test's calls (podman exec, stop,
 * start), longer than the server keeps an idle connection; fetch would reuse a pooled one and a POST on a
 * connection the server just closed fails instead of being retried.
 */
export function call(
  base: string,
  path: string,
  method = "GET",
): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, agent: false, headers: method === "GET" ? {} : { origin: url.origin }, timeout: 60_000 },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> });
          } catch {
            reject(new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`));
          }
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on("error", reject);
    req.end();
  });
}
