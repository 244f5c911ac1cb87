// The write thread: its own connection to the database file (with the healing client's busy handling) runs the
// batches the main thread sends, one at a time in the order they arrive.
import { parentPort, workerData } from "node:worker_threads";
import { HealingClient } from "./healing-client";
import { openFileConnection } from "./libsql-connection";
import {
  type BatchRequest,
  errorToWire,
  resultToWire,
  type WriteReply,
  type WriteThreadData,
} from "./write-thread-wire";

// A commit's dirty pages beyond it spill to the WAL early; the write thread's memory counts in the service's RSS.
const WRITE_CACHE_KIB = 8 * 1024;

const { url, busyWaitMs } = workerData as WriteThreadData;
const port = parentPort!;
const reply = (message: WriteReply) => port.postMessage(message);

// Opened on the first batch, so a thread that fails to open reports it as that batch's error.
const client = new HealingClient(undefined, {
  open: () => openFileConnection(url, WRITE_CACHE_KIB),
  busyWaitMs,
  onReplace: (cause) => reply({ kind: "replaced", cause: errorToWire(cause) }),
});

let queue = Promise.resolve();
port.on("message", (request: BatchRequest) => {
  queue = queue.then(async () => {
    try {
      const results = request.configure
        ? [await client.execute(request.stmts[0] as string)]
        : await client.batch(request.stmts, request.mode);
      reply({ kind: "done", id: request.id, results: results.map(resultToWire) });
    } catch (err) {
      reply({ kind: "failed", id: request.id, error: errorToWire(err) });
    }
  });
});
