// One keep-alive HTTP/1.1 connection at a time to a test server, which tells which socket each answer came
// on: so a test can prove a rejected request left the connection usable for the next one.
import http from "node:http";
import type { Socket } from "node:net";

export type WireAnswer = {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Which connection answered (1 for the first one this client opened, and so on). */
  connection: number;
};

export type WireSend = {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body in two writes without Content-Length (Transfer-Encoding: chunked). */
  chunked?: boolean;
};

export function keepAliveConnection(base: string) {
  const url = new URL(base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const ids = new WeakMap<Socket, number>();
  let opened = 0;
  // Connections the server ended (sent FIN on); node:http itself retires a socket after a HEAD answer that
  // has no Content-Length, so "the next request used another socket" alone would blame the server wrongly.
  const closedByServer = new Set<number>();

  function send(req: WireSend): Promise<WireAnswer> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { ...req.headers };
      if (req.body !== undefined) {
        // node:http frames a DELETE's body only when told: without either header its bytes would go raw.
        if (req.chunked) headers["transfer-encoding"] = "chunked";
        else headers["content-length"] = String(Buffer.byteLength(req.body));
      }
      const outgoing = http.request(
        { host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString("utf8"),
              connection: ids.get(outgoing.socket as Socket) ?? 0,
            }),
          );
          res.on("error", reject);
        },
      );
      outgoing.on("socket", (socket) => {
        if (ids.has(socket)) return;
        const id = ++opened;
        ids.set(socket, id);
        socket.once("end", () => closedByServer.add(id));
      });
      outgoing.setTimeout(60_000, () =>
        outgoing.destroy(new Error(`no answer to ${req.method} ${req.path}`)),
      );
      outgoing.on("error", reject);
      if (req.body !== undefined && req.chunked) {
        const text = Buffer.from(req.body);
        outgoing.write(text.subarray(0, Math.floor(text.length / 2)));
        outgoing.end(text.subarray(Math.floor(text.length / 2)));
      } else {
        outgoing.end(req.body);
      }
    });
  }

  /** Whether the server has ended this connection (after letting any FIN in flight arrive). */
  async function serverClosed(connection: number): Promise<boolean> {
    await new Promise((r) => setTimeout(r, 5));
    return closedByServer.has(connection);
  }

  return { send, serverClosed, close: () => agent.destroy() };
}
