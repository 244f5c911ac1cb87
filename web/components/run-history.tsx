// Recent runs: the outcome/duration chart and a table of the runs themselves.
import { useState } from "preact/hooks";
import type { Run } from "../api";
import { formatDuration, formatShortTime } from "../format";
import { HISTORY_SIZE } from "../use-runs";
import { LoadError } from "./load-error";
import { RunChart } from "./run-chart";
import { RunBadge } from "./status-badge";

const FEW = 8;

function changes(run: Run): string {
  const { created, updated, deleted } = run.counts;
  const parts = [
    created ? `${created} created` : "",
    updated ? `${updated} updated` : "",
    deleted ? `${deleted} deleted` : "",
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(", ") : "none";
}

type Props = {
  runs: Run[] | null;
  error: string | null;
  onReload: () => void;
  hasOlder: boolean;
  loadingOlder: boolean;
  onLoadOlder: () => void;
};

export function RunHistory({ runs, error, onReload, hasOlder, loadingOlder, onLoadOlder }: Props) {
  const [all, setAll] = useState(false);
  const shown = runs && !all ? runs.slice(0, FEW) : runs;
  return (
    <section class="card" aria-labelledby="history-title">
      <h2 id="history-title">Run history</h2>
      {error && <LoadError what="the run history" error={error} onRetry={onReload} />}
      {runs === null || shown === null ? (
        !error && <p class="muted">Loading…</p>
      ) : runs.length === 0 ? (
        <p class="muted">No runs yet.</p>
      ) : (
        <>
          <RunChart runs={runs.slice(0, HISTORY_SIZE)} />
          <table class="data runs" data-testid="run-table">
            <caption class="visually-hidden">Recent sync runs, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Outcome</th>
                <th scope="col">Started</th>
                <th scope="col">Duration</th>
                <th scope="col">Fetched</th>
                <th scope="col">Changes</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((run) => (
                <tr key={run.id}>
                  <td data-label="Run">#{run.id}</td>
                  <td data-label="Outcome">
                    <RunBadge status={run.status} />
                  </td>
                  <td data-label="Started">
                    <span class="nowrap">{formatShortTime(run.started_at)}</span>
                    <span class="sub muted">
                      {run.trigger}, {run.mode}
                    </span>
                  </td>
                  <td data-label="Duration">
                    {run.status === "running" ? "running" : formatDuration(run.duration_ms)}
                  </td>
                  <td data-label="Fetched">{run.counts.fetched}</td>
                  <td data-label="Changes">{changes(run)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {runs.length > FEW && (
            <button type="button" class="button small more" onClick={() => setAll((v) => !v)}>
              {all ? "Show fewer runs" : `Show all ${runs.length} loaded runs`}
            </button>
          )}
          {all && hasOlder && (
            <button
              type="button"
              class="button small more"
              onClick={onLoadOlder}
              disabled={loadingOlder}
              data-testid="older-runs"
            >
              {loadingOlder ? "Loading older runs…" : "Load older runs"}
            </button>
          )}
        </>
      )}
    </section>
  );
}
