// A second process that holds a database file's write lock, as a backup tool or an `sqlite3` shell would.
// Usage: node --import tsx test/e2e/lock-holder.ts <file> <ms>. Prints "locked", then "released" before it exits.
import { createClient } from "@libsql/client";

const [file, ms] = process.argv.slice(2);
if (!file || !ms) throw new Error("usage: lock-holder.ts <file> <ms>");
// One connection, so the busy timeout set here is the one the transaction below waits with.
const client = createClient({ url: `file:${file}`, concurrency: 1 });
// The service may be mid-write when asked to lock: wait for it like any other writer would.
await client.execute("PRAGMA busy_timeout = 30000");
// BEGIN IMMEDIATE: in WAL mode it locks out exactly what BEGIN EXCLUSIVE does (other writers; readers go on).
const tx = await client.transaction("write");
console.log("locked");
await new Promise((resolve) => setTimeout(resolve, Number(ms)));
await tx.rollback();
client.close();
console.log("released");
