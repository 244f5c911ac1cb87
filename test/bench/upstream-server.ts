// A standalone simulator upstream over real HTTP, for the benchmark: `tsx test/bench/upstream-server.ts <port> <total>`.
import { serve } from "@hono/node-server";
import { Simulator } from "../../functions/simulator/dataset";
import { simulatorRoutes } from "../../functions/simulator/routes";

const port = Number(process.argv[2] ?? 8799);
const total = Number(process.argv[3] ?? 100_000);
const routes = simulatorRoutes(new Simulator({ total, failure_rate: 0, seed: 7 }));
serve({ fetch: routes.fetch, port, hostname: "127.0.0.1" }, () => {
  process.stdout.write("ready\n");
});
