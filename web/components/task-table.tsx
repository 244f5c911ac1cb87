// The task list: sortable headers, delete/restore per row, cursor pagination and the total count.
import type { Ref } from "preact";
import type { Task, TaskSort } from "../api";
import { formatTime, safeHttpUrl, taskCount, taskCountPhrase } from "../format";
import type { TaskList } from "../use-tasks";
import { LoadError } from "./load-error";
import { TaskBadge } from "./status-badge";
import { TaskFilters } from "./task-filters";

type Props = {
  list: TaskList;
  pending: Set<number>;
  onDelete: (task: Task) => void;
  onRestore: (task: Task) => void;
  searchRef: Ref<HTMLInputElement>;
};

type SortField = "external_id" | "title" | "updated_at";

/** Clicking the sorted column flips it; another column starts newest-first for times, A→Z for text. */
function nextSort(current: TaskSort, field: SortField): TaskSort {
  if (current === field) return `-${field}`;
  if (current === `-${field}`) return field;
  return field === "updated_at" ? "-updated_at" : field;
}

function SortHeader({
  field,
  label,
  sort,
  onSort,
}: {
  field: SortField;
  label: string;
  sort: TaskSort;
  onSort: (sort: TaskSort) => void;
}) {
  const direction = sort === field ? "ascending" : sort === `-${field}` ? "descending" : "none";
  return (
    <th scope="col" aria-sort={direction}>
      <button type="button" class="sort" onClick={() => onSort(nextSort(sort, field))}>
        {label}
        <span class="sort-arrow" aria-hidden="true">
          {direction === "ascending" ? "▲" : direction === "descending" ? "▼" : "↕"}
        </span>
      </button>
    </th>
  );
}

/** The title as text; a link to the task's page upstream (a GitHub issue) when it has a safe one. */
function TaskTitle({ task }: { task: Task }) {
  const href = safeHttpUrl(task.source_url);
  if (!href) return <>{task.title}</>;
  return (
    <a href={href} target="_blank" rel="noopener noreferrer" data-testid="task-source-link">
      {task.title}
      <span class="visually-hidden"> (opens upstream in a new tab)</span>
    </a>
  );
}

export function TaskTable({ list, pending, onDelete, onRestore, searchRef }: Props) {
  const { query, setQuery, page, loading, error, pageNumber, limit } = list;
  const deletedView = query.deleted === "only";
  const rows = page?.results ?? [];
  const first = (pageNumber - 1) * limit + 1;
  const filtered = query.statuses.length > 0 || query.search.trim() !== "";

  return (
    <section class="card tasks" aria-labelledby="tasks-title">
      <div class="card-head">
        <h2 id="tasks-title">{deletedView ? "Deleted tasks" : "Tasks"}</h2>
        <p class="muted" data-testid="task-count" aria-live="polite">
          {page
            ? `${taskCountPhrase(page, deletedView ? "deleted task" : "task")}${filtered ? " match" : ""}`
            : ""}
        </p>
      </div>
      <TaskFilters
        query={query}
        setQuery={setQuery}
        limit={limit}
        setLimit={list.setLimit}
        searchRef={searchRef}
      />
      {error && <LoadError what="tasks" error={error} onRetry={list.reload} />}
      <div class="table-wrap" aria-busy={loading}>
        <table class="data task-table" data-testid="task-table">
          <caption class="visually-hidden">
            {deletedView ? "Deleted tasks" : "Tasks"}, page {pageNumber}
          </caption>
          <thead>
            <tr>
              <SortHeader
                field="external_id"
                label="External ID"
                sort={query.sort}
                onSort={(s) => setQuery({ sort: s })}
              />
              <SortHeader
                field="title"
                label="Title"
                sort={query.sort}
                onSort={(s) => setQuery({ sort: s })}
              />
              <th scope="col">Status</th>
              <SortHeader
                field="updated_at"
                label="Updated"
                sort={query.sort}
                onSort={(s) => setQuery({ sort: s })}
              />
              {deletedView && <th scope="col">Deleted</th>}
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((task) => (
              <tr key={task.id} data-testid="task-row">
                <td data-label="External ID" class="mono">
                  {task.external_id}
                </td>
                <td data-label="Title" class="title-cell">
                  <TaskTitle task={task} />
                </td>
                <td data-label="Status">
                  <TaskBadge status={task.status} />
                </td>
                <td data-label="Updated">{formatTime(task.updated_at)}</td>
                {deletedView && (
                  <td data-label="Deleted">
                    {formatTime(task.deleted_at)}{" "}
                    <span class="muted">{task.deleted_by === "upstream" ? "(upstream)" : "(by a user)"}</span>
                  </td>
                )}
                <td class="row-actions">
                  {deletedView && task.deleted_by === "upstream" ? (
                    <span class="muted">Returns when upstream restores it</span>
                  ) : deletedView ? (
                    <button
                      type="button"
                      class="button small"
                      disabled={pending.has(task.id)}
                      aria-label={`Restore ${task.title}`}
                      onClick={() => onRestore(task)}
                    >
                      Restore
                    </button>
                  ) : (
                    <button
                      type="button"
                      class="button small danger"
                      disabled={pending.has(task.id)}
                      aria-label={`Delete ${task.title}`}
                      onClick={() => onDelete(task)}
                    >
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {page && rows.length === 0 && (
          <p class="empty" data-testid="task-empty">
            {filtered
              ? "No tasks match these filters."
              : deletedView
                ? "Nothing has been deleted."
                : "No tasks yet. Run a sync to copy them from upstream."}
          </p>
        )}
        {!page && loading && <p class="empty">Loading tasks…</p>}
      </div>
      <nav class="pager" aria-label="Task pages">
        <button type="button" class="button" disabled={pageNumber <= 1 || loading} onClick={list.previous}>
          Previous
        </button>
        <span data-testid="page-info">
          {page && rows.length > 0
            ? `Page ${pageNumber} · rows ${first}–${first + rows.length - 1} of ${taskCount(page)}`
            : `Page ${pageNumber}`}
        </span>
        <button type="button" class="button" disabled={!page?.next_cursor || loading} onClick={list.next}>
          Next
        </button>
      </nav>
    </section>
  );
}
