// Starts a sync and shows the one under way, whoever started it (this tab, another tab, the schedule).
import type { Run, SyncMode, SyncStatus } from "../api";
import { isRun } from "../api";
import { formatRelative, formatTime, plural, RUN_STATUS_LABEL, retryingLine } from "../format";
import { LoadError } from "./load-error";

type Props = {
  status: SyncStatus | null;
  statusError: string | null;
  mode: SyncMode;
  onModeChange: (mode: SyncMode) => void;
  onSync: () => void;
  /** A sync or retry request from this tab is out. */
  busy: boolean;
  /** Set after a 409 or a 202: the run this tab follows (and how it ended). */
  following: Following | null;
};

/**
 * A run this tab follows: one someone else started (409), or this tab's own that outlived the server's wait
 * (202), which must not be called "already running" — that reads as someone else's sync.
 */
export type Following = { id: number; finished: Run | null; startedHere: boolean };

export function SyncPanel({ status, statusError, mode, onModeChange, onSync, busy, following }: Props) {
  const running = status?.running === true;
  const run = isRun(status) ? status : null;
  return (
    <section class="card" aria-labelledby="sync-title">
      <h2 id="sync-title">Sync</h2>
      <form
        class="sync-form"
        onSubmit={(e) => {
          e.preventDefault();
          onSync();
        }}
      >
        <label class="field">
          <span>Mode</span>
          <select
            value={mode}
            aria-describedby="mode-hint"
            onChange={(e) => onModeChange(e.currentTarget.value as SyncMode)}
          >
            <option value="full">Full</option>
            <option value="incremental">Incremental</option>
          </select>
        </label>
        <button type="submit" class="button primary" disabled={busy || running} aria-keyshortcuts="s">
          {busy || running ? "Sync running…" : "Sync now"}
        </button>
        <p id="mode-hint" class="hint muted">
          {mode === "full"
            ? "Reads every upstream task and removes the ones upstream deleted."
            : "Reads only what changed upstream since the last successful run."}
        </p>
      </form>

      <div class="live" role="status" data-testid="sync-live">
        {running && run ? (
          <div class="progress-line">
            <progress aria-label={`Run ${run.id} in progress`} />
            <span>
              Run #{run.id} ({run.trigger}, {run.mode}) is running: page {run.progress?.pages ?? run.pages},{" "}
              {plural(run.progress?.fetched ?? run.counts.fetched, "record")} so far, started{" "}
              {formatRelative(run.started_at)}.
            </span>
            {run.progress?.retrying && (
              <span class="retrying" data-testid="sync-retrying">
                {retryingLine(run.progress.retrying)}
                <span class="muted"> ({run.progress.retrying.message})</span>
              </span>
            )}
          </div>
        ) : busy ? (
          <span>Starting the sync…</span>
        ) : null}
        {following && (
          <p class="notice" data-testid="following">
            {following.finished
              ? `The sync this tab followed (run #${following.id}) finished: ${RUN_STATUS_LABEL[following.finished.status].toLowerCase()}.`
              : following.startedHere
                ? `Your sync (run #${following.id}) is still running on the server — following it.`
                : `A sync is already running — following it (run #${following.id}).`}
          </p>
        )}
      </div>

      {statusError && <LoadError what="the sync status" error={statusError} />}

      {status && (
        <dl class="facts">
          <div>
            <dt>Source</dt>
            <dd data-testid="sync-source">{status.source.label}</dd>
          </div>
          {status.quota && (
            <div>
              <dt>API quota</dt>
              <dd data-testid="sync-quota">
                {status.quota.remaining.toLocaleString()} of {status.quota.limit.toLocaleString()} requests
                left, resets {formatRelative(status.quota.reset_at)} ({formatTime(status.quota.reset_at)})
              </dd>
            </div>
          )}
          <div>
            <dt>Last success</dt>
            <dd>
              {status.last_success_at
                ? `${formatRelative(status.last_success_at)} (${formatTime(status.last_success_at)})`
                : "never"}
            </dd>
          </div>
          <div>
            <dt>Failures in a row</dt>
            <dd>{status.consecutive_failures}</dd>
          </div>
          <div>
            <dt>Next scheduled sync</dt>
            <dd>
              {status.next_scheduled_at
                ? `${formatRelative(status.next_scheduled_at)} (${formatTime(status.next_scheduled_at)})`
                : "no schedule"}
            </dd>
          </div>
        </dl>
      )}
    </section>
  );
}
