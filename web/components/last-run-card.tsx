// The latest run in detail: outcome, counts, duration, what went wrong in plain words, and Retry.
import type { Run, RunError } from "../api";
import { errorKindLabel, explainRun, formatDuration, formatRelative, formatTime, RETRYABLE } from "../format";
import { RunBadge } from "./status-badge";

const COUNT_NAMES = ["fetched", "created", "updated", "unchanged", "deleted", "skipped", "invalid"] as const;
const SHOWN_ERRORS = 5;

type ErrorGroup = { error: RunError; times: number; lastAt: string };

/** Repeated attempts fail the same way; one line per distinct problem reads better than four. */
function groupErrors(errors: RunError[]): ErrorGroup[] {
  const groups = new Map<string, ErrorGroup>();
  for (const error of errors) {
    const key = `${error.kind}|${error.http_status ?? ""}|${error.external_id ?? ""}|${error.message}`;
    const group = groups.get(key);
    if (!group) groups.set(key, { error, times: 1, lastAt: error.at });
    else {
      group.times += 1;
      if (error.at > group.lastAt) group.lastAt = error.at;
    }
  }
  return [...groups.values()];
}

type Props = {
  run: Run | null;
  /** The status has loaded (so "no run" means no sync yet, not "still loading"). */
  loaded: boolean;
  busy: boolean;
  onRetry: (run: Run) => void;
};

export function LastRunCard({ run, loaded, busy, onRetry }: Props) {
  return (
    <section class="card" aria-labelledby="last-run-title" data-testid="last-run">
      <h2 id="last-run-title">Last run</h2>
      {!run ? (
        <p class="muted">
          {loaded ? "No sync yet. Press “Sync now” to copy the upstream tasks here." : "Loading…"}
        </p>
      ) : (
        <RunDetails run={run} busy={busy} onRetry={onRetry} />
      )}
    </section>
  );
}

function RunDetails({ run, busy, onRetry }: { run: Run; busy: boolean; onRetry: (run: Run) => void }) {
  const explained = explainRun(run);
  const errorCount = run.error_count ?? run.errors.length;
  const groups = groupErrors(run.errors);
  // A run that succeeded despite its errors got past them (retried requests): not "what went wrong", no advice.
  const recovered = run.status === "success";
  return (
    <>
      <p class="run-heading">
        <span data-testid="last-run-id">Run #{run.id}</span> <RunBadge status={run.status} />
        {run.retry_of !== null && <span class="muted"> retry of run #{run.retry_of}</span>}
      </p>
      <dl class="facts">
        <div>
          <dt>Trigger</dt>
          <dd>{run.trigger}</dd>
        </div>
        <div>
          <dt>Mode</dt>
          <dd>{run.mode}</dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>
            {formatTime(run.started_at)} <span class="muted">({formatRelative(run.started_at)})</span>
          </dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{run.status === "running" ? "still running" : formatDuration(run.duration_ms)}</dd>
        </div>
        <div>
          <dt>Pages</dt>
          <dd>{run.pages}</dd>
        </div>
        <div>
          <dt>Upstream requests</dt>
          <dd>
            {run.status === "running"
              ? `${run.attempts} so far (retries included, counted as pages are saved)`
              : `${run.attempts} (retries included)`}
          </dd>
        </div>
      </dl>
      <ul class="counts" aria-label="Record counts">
        {COUNT_NAMES.map((name) => (
          <li key={name}>
            <span class="count-value" data-testid={`count-${name}`}>
              {run.counts[name].toLocaleString()}
            </span>
            <span class="count-name">{name}</span>
          </li>
        ))}
      </ul>
      {run.message && (
        <p class="run-message" data-testid="run-message">
          {run.message}
        </p>
      )}
      {explained && <p class={`explain explain-${run.status}`}>{explained}</p>}
      {run.status === "deferred" && run.next_allowed_at && (
        <p>
          Upstream allows the next attempt {formatRelative(run.next_allowed_at)} (
          {formatTime(run.next_allowed_at)}).
        </p>
      )}
      {run.errors.length > 0 && (
        <details class="errors" open={run.status === "failed"}>
          <summary>
            {recovered ? "Recovered along the way" : "What went wrong"} ({errorCount}{" "}
            {errorCount === 1 ? "problem" : "problems"})
          </summary>
          <ul>
            {groups.slice(0, SHOWN_ERRORS).map(({ error, times, lastAt }) => (
              <li
                key={`${error.kind}-${error.http_status ?? ""}-${error.external_id ?? ""}-${error.message}`}
              >
                <strong>{errorKindLabel(error)}</strong>
                {error.http_status ? ` (HTTP ${error.http_status})` : ""}: {error.message}
                <span class="muted">
                  {" "}
                  {error.external_id ? `Task ${error.external_id}. ` : ""}
                  {times > 1 ? `${times} times, last at ${formatTime(lastAt)}.` : `At ${formatTime(lastAt)}.`}{" "}
                  {/* Not "will not help": beside the Retry button that read as a contradiction, and an upstream
                  fixed meanwhile makes a retry succeed. */}
                  {recovered
                    ? ""
                    : error.retryable
                      ? "Usually temporary, so retrying may help."
                      : "Retrying alone is unlikely to help until the cause is fixed."}
                </span>
              </li>
            ))}
          </ul>
          {groups.length > SHOWN_ERRORS && (
            <p class="muted">and {groups.length - SHOWN_ERRORS} more kinds of problem.</p>
          )}
          {errorCount > run.errors.length && (
            <p class="muted">
              Showing the latest {run.errors.length} of {errorCount} recorded problems.
            </p>
          )}
        </details>
      )}
      {RETRYABLE.includes(run.status) && (
        <button type="button" class="button primary" disabled={busy} onClick={() => onRetry(run)}>
          Retry run #{run.id}
        </button>
      )}
    </>
  );
}
