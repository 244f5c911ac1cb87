// Fires the Workers `scheduled` handler under `wrangler dev` at each tick of the crons in wrangler.toml,
// because Miniflare never fires crons by itself.
import { Cron } from "croner";

export type CronDriverOptions = {
  crons: string[];
  baseUrl: string;
  log: (fields: Record<string, unknown>) => void;
};

/** Starts one croner job per expression; each tick calls `/__scheduled?cron=…` (wrangler --test-scheduled). */
export function startCronDriver({ crons, baseUrl, log }: CronDriverOptions): () => void {
  const jobs = crons.map(
    (expr) =>
      new Cron(expr, { protect: true }, async () => {
        const url = `${baseUrl}/__scheduled?cron=${encodeURIComponent(expr).replace(/%20/g, "+")}`;
        try {
          const res = await fetch(url);
          const text = (await res.text()).trim();
          log({ msg: "cron fired", cron: expr, status: res.status, answer: text.slice(0, 200) });
        } catch (err) {
          log({ msg: "cron fire failed", cron: expr, error: String(err) });
        }
      }),
  );
  for (const job of jobs)
    log({ msg: "cron scheduled", cron: job.getPattern(), next: job.nextRun()?.toISOString() });
  return () => {
    for (const job of jobs) job.stop();
  };
}
