// A run or task status as a coloured label (colour is never the only cue: the word is always there).
import type { RunStatus, TaskStatus } from "../api";
import { RUN_STATUS_LABEL, TASK_STATUS_LABEL } from "../format";

export function RunBadge({ status }: { status: RunStatus }) {
  return <span class={`badge run-${status}`}>{RUN_STATUS_LABEL[status] ?? status}</span>;
}

export function TaskBadge({ status }: { status: TaskStatus }) {
  return <span class={`badge task-${status}`}>{TASK_STATUS_LABEL[status] ?? status}</span>;
}
