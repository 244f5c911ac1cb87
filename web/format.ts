// Turns API values (times, durations, statuses, error kinds) into the words the dashboard shows.
import type { Run, RunCounts, RunError, RunRetrying, RunStatus, TaskStatus } from "./api";

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

/** Time of day for today's times, else a short date and time. */
export function formatShortTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const today = date.toDateString() === new Date().toDateString();
  return today
    ? date.toLocaleTimeString(undefined, { timeStyle: "medium" })
    : date.toLocaleString(undefined, { dateStyle: "short", timeStyle: "short" });
}

/** "12 s ago", "in 3 min": for times near now. */
export function formatRelative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "";
  const diff = new Date(iso).getTime() - now;
  if (Number.isNaN(diff)) return "";
  const abs = Math.abs(diff);
  const [value, unit] =
    abs < 60_000
      ? [Math.round(abs / 1000), "s"]
      : abs < 3_600_000
        ? [Math.round(abs / 60_000), "min"]
        : abs < 86_400_000
          ? [Math.round(abs / 3_600_000), "h"]
          : [Math.round(abs / 86_400_000), "d"];
  if (value === 0) return "just now";
  return diff < 0 ? `${value} ${unit} ago` : `in ${value} ${unit}`;
}

export const RUN_STATUS_LABEL: Record<RunStatus, string> = {
  running: "Running",
  success: "Succeeded",
  partial: "Partial",
  failed: "Failed",
  deferred: "Deferred",
  abandoned: "Abandoned",
};

export const TASK_STATUS_LABEL: Record<TaskStatus, string> = {
  todo: "To do",
  in_progress: "In progress",
  done: "Done",
};

export const RETRYABLE: RunStatus[] = ["failed", "partial", "deferred", "abandoned"];

/**
 * What a run's status means for the data, in plain words. A failed run saved nothing unless its listing reached
 * its last page and only its end (its deletions, its final write) failed; a partial one saved pages up to its
 * checkpoint, either cut short there or with records quarantined or deletions the guard held back.
 */
export function explainRun(run: Pick<Run, "status" | "pages">): string | undefined {
  const saved = `${run.pages.toLocaleString()} ${run.pages === 1 ? "page was" : "pages were"} saved`;
  switch (run.status) {
    case "failed":
      return run.pages === 0
        ? "Nothing from this run was saved. Retry resumes from the last checkpoint."
        : `Its ${saved}, but the run could not finish: the deletions it found were not applied. Retry only finishes it.`;
    case "partial":
      return `Its ${saved}, but not everything: the listing was cut short, or records were quarantined, or the safety guard held deletions back (see below). Fix the cause and retry.`;
    case "deferred":
      return "The upstream asked us to slow down (rate limited) for longer than we wait. Pages up to the checkpoint are saved; retry resumes from there.";
    case "abandoned":
      return "The process running this sync stopped answering (its lease expired). Saved pages are kept; retry resumes from the checkpoint.";
    default:
      return undefined;
  }
}

const KIND_LABEL: Record<string, string> = {
  http_error: "The upstream answered with an HTTP error",
  timeout: "The upstream did not answer in time",
  network: "The upstream could not be reached",
  rate_limited: "The upstream rate-limited us",
  malformed_response: "The upstream sent a response we could not read",
  invalid_record: "A record was invalid and quarantined",
  lease_lost: "Another process took over this sync",
  mass_delete_guard: "Deletions were refused by the safety guard",
  internal: "An internal error stopped the sync",
};

export function errorKindLabel(error: RunError): string {
  return KIND_LABEL[error.kind] ?? error.kind.replaceAll("_", " ");
}

/** What made an attempt fail, short: "HTTP 503", "a timeout". */
function failedWith(r: RunRetrying): string {
  if (r.http_status !== null) return `HTTP ${r.http_status}`;
  switch (r.kind) {
    case "timeout":
      return "a timeout";
    case "network":
      return "a network error";
    case "rate_limited":
      return "a rate limit";
    default:
      return r.kind.replaceAll("_", " ");
  }
}

/**
 * A running run's retry in plain words: "Retrying page 3: attempt 2 after HTTP 503 — next try in 4 s". Once the
 * next attempt is due it is under way (the status is polled every second, so the countdown moves with it).
 */
export function retryingLine(r: RunRetrying, now = Date.now()): string {
  const what = r.page !== null ? `page ${r.page.toLocaleString()}` : "a request to upstream";
  const due = Date.parse(r.next_attempt_at) - now;
  const when = Number.isNaN(due)
    ? ""
    : due > 500
      ? ` — next try in ${formatRelative(r.next_attempt_at, now).replace(/^in /, "")}`
      : " — trying again now";
  // A wait before the first attempt: GitHub's quota is nearly spent until its reset.
  if (r.attempt <= 1) return `Waiting before requesting ${what} (${failedWith(r)})${when}`;
  return `Retrying ${what}: attempt ${r.attempt} after ${failedWith(r)}${when}`;
}

export function countsSummary(counts: RunCounts): string {
  return `${counts.fetched} fetched · ${counts.created} created · ${counts.updated} updated · ${counts.deleted} deleted`;
}

export const plural = (n: number, word: string) => `${n.toLocaleString()} ${word}${n === 1 ? "" : "s"}`;

/** A list count as shown: "1,000+" when the API stopped counting (count_exact false), else the number. */
export const taskCount = (page: { count: number; count_exact: boolean }) =>
  `${page.count.toLocaleString()}${page.count_exact ? "" : "+"}`;

/** "1 task", "12 tasks", "1,000+ tasks". */
export const taskCountPhrase = (page: { count: number; count_exact: boolean }, word: string) =>
  `${taskCount(page)} ${word}${page.count === 1 && page.count_exact ? "" : "s"}`;

/** An upstream link worth rendering: absolute http(s) only (never `javascript:` or `data:`), else null. */
export function safeHttpUrl(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}
