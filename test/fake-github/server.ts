// Serves a FakeGithub over real HTTP on a free local port (Node tests), so the adapter's fetch, redirects,
// headers and streaming bodies are exercised as they would be against api.github.com.
import { type ServerType, serve } from "@hono/node-server";
import type { FakeGithub } from "./app";

export type ServedFake = { url: string; close: () => Promise<void> };

export function serveFakeGithub(fake: FakeGithub): Promise<ServedFake> {
  return new Promise((resolve) => {
    const server: ServerType = serve({ fetch: fake.app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}
