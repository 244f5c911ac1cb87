// A libSQL client whose batches run on a write thread with its own connection to the same WAL file, while
// statements (reads and single writes) run here. libSQL's embedded driver runs SQLite synchronously on the
// calling thread, so without this a sync's commits stop everything else: with it, the next pages are fetched,
// validated and planned (and requests answered) while a commit is written.
import { Worker } from "node:worker_threads";
import type {
  Client,
  InArgs,
  InStatement,
  Replicated,
  ResultSet,
  Transaction,
  TransactionMode,
} from "@libsql/client";
import type { HealingClient } from "./healing-client";
import { FROM_SOURCE, PROJECT_ROOT } from "./project-root";
import {
  errorFromWire,
  resultFromWire,
  type WriteReply,
  type WriteRequest,
  type WriteThreadData,
} from "./write-thread-wire";

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Pending = { resolve: (results: ResultSet[]) => void; reject: (err: Error) => void };

// The thread holds a batch or two of statements at a time (a 20,000-record commit of long titles is ~15 MB); a
// small young generation keeps its memory small (V8's default alone would add 16 MB or more to the RSS).
const THREAD_HEAP = { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 64 };
/**
 * How the thread starts: from source, through a boot file that registers tsx (a worker thread does not inherit the
 * parent's module loader) and then imports the TypeScript entry; from the build, on its compiled entry.
 */
const THREAD = FROM_SOURCE
  ? {
      file: new URL("db/write-thread-boot.mjs", PROJECT_ROOT),
      entry: new URL("db/write-thread-worker.ts", PROJECT_ROOT).href,
    }
  : { file: new URL("dist/write-thread-worker.mjs", PROJECT_ROOT), entry: undefined };

export class ThreadedClient implements Client {
  #worker: Worker | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #writerReplacements = 0;
  closed = false;
  readonly protocol = "file";

  constructor(
    readonly main: HealingClient,
    readonly thread: WriteThreadData,
    readonly onReplace?: (cause: unknown) => void,
  ) {}

  /** Connections dropped after a busy error, on both threads. */
  get replacements(): number {
    return this.main.replacements + this.#writerReplacements;
  }

  execute(stmtOrSql: InStatement, args?: InArgs): Promise<ResultSet> {
    return typeof stmtOrSql === "string" ? this.main.execute(stmtOrSql, args) : this.main.execute(stmtOrSql);
  }

  batch(stmts: Array<InStatement | [string, InArgs?]>, mode?: TransactionMode): Promise<ResultSet[]> {
    return this.#send({ batch: stmts, mode });
  }

  /** Starts the write thread and opens its connection, so the first commit does not wait for either. */
  async open(): Promise<void> {
    await this.#send({ execute: "select 1" });
  }

  /** Runs a per-connection statement (a PRAGMA) on this thread's connection and on the write thread's. */
  async configureConnections(sql: string): Promise<void> {
    await this.main.execute(sql);
    await this.#send({ execute: sql });
  }

  migrate(stmts: InStatement[]): Promise<ResultSet[]> {
    return this.main.migrate(stmts);
  }

  executeMultiple(sql: string): Promise<void> {
    return this.main.executeMultiple(sql);
  }

  transaction(mode?: TransactionMode): Promise<Transaction> {
    return this.main.transaction(mode);
  }

  sync(): Promise<Replicated> {
    return this.main.sync();
  }

  reconnect(): void {
    this.main.reconnect();
  }

  close(): void {
    this.closed = true;
    this.main.close();
    void this.#worker?.terminate();
    this.#worker = undefined;
    this.#failAll(new Error("The database client is closed"));
  }

  #send(request: DistributiveOmit<WriteRequest, "id">): Promise<ResultSet[]> {
    if (this.closed) return Promise.reject(new Error("The database client is closed"));
    const id = this.#nextId++;
    const worker = this.#current();
    return new Promise<ResultSet[]>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      // A thread with work keeps the process alive; an idle one does not hold it open.
      worker.ref();
      worker.postMessage({ ...request, id } satisfies WriteRequest);
    });
  }

  #current(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(THREAD.file, {
      workerData: { ...this.thread, entry: THREAD.entry },
      resourceLimits: THREAD_HEAP,
    });
    worker.unref();
    worker.on("message", (reply: WriteReply) => this.#receive(worker, reply));
    // Requests a lost thread held fail; the next batch starts a new thread.
    const lost = (err: Error) => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      this.#failAll(err);
    };
    worker.on("error", (err) => lost(new Error(`The write thread failed: ${err.message}`, { cause: err })));
    worker.on("exit", (code) => lost(new Error(`The write thread exited (code ${code})`)));
    this.#worker = worker;
    return worker;
  }

  #receive(worker: Worker, reply: WriteReply) {
    if (reply.kind === "replaced") {
      this.#writerReplacements++;
      this.onReplace?.(errorFromWire(reply.cause));
      return;
    }
    const pending = this.#pending.get(reply.id);
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) worker.unref();
    if (reply.kind === "done") pending?.resolve(reply.results.map(resultFromWire));
    else pending?.reject(errorFromWire(reply.error));
  }

  #failAll(err: Error) {
    for (const { reject } of this.#pending.values()) reject(err);
    this.#pending.clear();
  }
}
