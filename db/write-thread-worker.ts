// The write thread: its own connection to the database file (with the healing client's busy handling) runs the
// batches the main thread sends, one at a time in the order they arrive.
import { parentPort, workerData } from "node:worker_threads";
import { healingFileClient } from "./libsql-connection";
import {
  errorToWire,
  resultToWire,
  type WriteReply,
  type WriteRequest,
  type WriteThreadData,
} from "./write-thread-wire";

// A commit's dirty pages beyond it spill to the WAL early; the write thread's memory counts in the service's RSS.
const WRITE_CACHE_KIB = 8 * 1024;

const { url, busyWaitMs } = workerData as WriteThreadData;
const port = parentPort!;
const reply = (message: WriteReply) => port.postMessage(message);

// Opened on the first request, so a thread that fails to open reports it as that request's error.
const client = healingFileClient(url, {
  busyWaitMs,
  cacheKib: WRITE_CACHE_KIB,
  onReplace: (cause) => reply({ kind: "replaced", cause: errorToWire(cause) }),
});

let queue = Promise.resolve();
port.on("message", (request: WriteRequest) => {
  queue = queue.then(async () => {
    try {
      const results =
        "execute" in request
          ? [await client.execute(request.execute)]
          : await client.batch(request.batch, request.mode);
      reply({ kind: "done", id: request.id, results: results.map(resultToWire) });
    } catch (err) {
      reply({ kind: "failed", id: request.id, error: errorToWire(err) });
    }
  });
});
