// Starts the write thread's TypeScript entry: a worker thread does not inherit the parent's module loader.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
