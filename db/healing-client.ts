// A libSQL client for a local database file that waits out locks without blocking Node and never reuses a
// connection that a lock has left in a bad state.
//
// Why: with @libsql/client 0.18.0 on libsql 0.5.29, a statement that fails with SQLITE_BUSY stays "in progress"
// until the garbage collector finalizes it (tursodatabase/libsql-client-ts#352; the unmerged fix is
// tursodatabase/libsql-js#237). On that connection every later COMMIT fails ("cannot commit transaction - SQL
// statements in progress") and, worse, an autocommit write reports success inside an implicit transaction that
// is never committed and keeps the write lock. So after any busy error this client drops the connection and
// opens a new one before another operation can reach it, then retries the whole operation, which is exact:
// a busy statement or batch changed nothing.
import type {
  Client,
  InArgs,
  InStatement,
  Replicated,
  ResultSet,
  Transaction,
  TransactionMode,
} from "@libsql/client";
import { DatabaseBusyError, databaseFault } from "./database-faults";

export type HealingOptions = {
  /** Opens a new connection with the per-connection pragmas set. */
  open: () => Promise<Client>;
  /** How long one operation may wait for a lock held elsewhere before it fails with DatabaseBusyError. */
  busyWaitMs: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
  /** Told each time a connection is dropped after a busy error. */
  onReplace?: (cause: unknown) => void;
};

type Attempt<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A FIFO lock; `acquire` gives up (and passes its turn on) when the deadline comes first. */
class Mutex {
  #tail: Promise<void> = Promise.resolve();

  lock(): Promise<() => void> {
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const turn = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => done);
    return turn;
  }

  async acquire(timeoutMs: number): Promise<(() => void) | undefined> {
    const turn = this.lock();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), Math.max(0, timeoutMs));
    });
    const winner = await Promise.race([turn, timedOut]);
    clearTimeout(timer);
    if (winner) return winner;
    void turn.then((release) => release());
    return undefined;
  }
}

// Only a plain SELECT is a read; everything else may need the write lock (drizzle writes UPDATE … RETURNING).
const isRead = (sql: string) => /^\s*select\b/i.test(sql);

export class HealingClient implements Client {
  #client: Client | undefined;
  // Every operation runs alone, so none can start on a connection that the previous one left busy-failed.
  readonly #op = new Mutex();
  // Writes queue behind each other, so while a lock is held elsewhere only one of them probes for it.
  readonly #writes = new Mutex();
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => number;
  readonly #random: () => number;
  closed = false;
  readonly protocol = "file";
  /** Connections dropped after a busy error, for health reporting and tests. */
  replacements = 0;

  constructor(
    client: Client | undefined,
    readonly options: HealingOptions,
  ) {
    this.#client = client;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#now = options.now ?? (() => performance.now());
    this.#random = options.random ?? Math.random;
  }

  execute(stmtOrSql: InStatement, args?: InArgs): Promise<ResultSet> {
    const sql = typeof stmtOrSql === "string" ? stmtOrSql : stmtOrSql.sql;
    const call = (c: Client) =>
      typeof stmtOrSql === "string" ? c.execute(stmtOrSql, args) : c.execute(stmtOrSql);
    return isRead(sql) ? this.#retrying(call, this.#now()) : this.#write(call);
  }

  batch(stmts: Array<InStatement | [string, InArgs?]>, mode?: TransactionMode): Promise<ResultSet[]> {
    return this.#write((c) => c.batch(stmts, mode));
  }

  migrate(stmts: InStatement[]): Promise<ResultSet[]> {
    return this.#write((c) => c.migrate(stmts));
  }

  executeMultiple(sql: string): Promise<void> {
    return this.#write((c) => c.executeMultiple(sql));
  }

  /** Interactive transactions hold the connection across awaits, so they are passed through unretried. */
  async transaction(mode?: TransactionMode): Promise<Transaction> {
    return (await this.#current()).transaction(mode);
  }

  async sync(): Promise<Replicated> {
    return (await this.#current()).sync();
  }

  close(): void {
    this.closed = true;
    this.#client?.close();
    this.#client = undefined;
  }

  reconnect(): void {
    this.#client?.reconnect();
  }

  async #current(): Promise<Client> {
    // After close() (shutdown), an operation still in flight must not open a new connection behind it.
    if (this.closed) throw new Error("The database client is closed");
    this.#client ??= await this.options.open();
    return this.#client;
  }

  async #write<T>(call: (c: Client) => Promise<T>): Promise<T> {
    const started = this.#now();
    const release = await this.#writes.acquire(this.options.busyWaitMs);
    if (!release) throw new DatabaseBusyError(this.#now() - started);
    try {
      return await this.#retrying(call, started);
    } finally {
      release();
    }
  }

  async #retrying<T>(call: (c: Client) => Promise<T>, started: number): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.#attempt(call);
      if (outcome.ok) return outcome.value;
      const left = started + this.options.busyWaitMs - this.#now();
      if (left <= 0) throw new DatabaseBusyError(this.#now() - started, { cause: outcome.error });
      await this.#sleep(Math.min(left, this.#backoff(attempt)));
    }
  }

  async #attempt<T>(call: (c: Client) => Promise<T>): Promise<Attempt<T>> {
    const release = await this.#op.lock();
    try {
      const client = await this.#current();
      try {
        return { ok: true, value: await call(client) };
      } catch (error) {
        if (databaseFault(error) !== "busy") throw error;
        this.#replace(error);
        return { ok: false, error };
      }
    } finally {
      release();
    }
  }

  // Runs while this operation still holds #op: the next operation opens a fresh connection.
  #replace(cause: unknown) {
    const old = this.#client;
    this.#client = undefined;
    this.replacements++;
    try {
      old?.close();
    } catch {
      // A connection that cannot even close is being dropped anyway.
    }
    this.options.onReplace?.(cause);
  }

  // 25 ms doubling to 500 ms, jittered, so a lock released mid-wait is noticed within about half a second.
  #backoff(attempt: number): number {
    return Math.min(500, 25 * 2 ** attempt) * (0.5 + this.#random());
  }
}
