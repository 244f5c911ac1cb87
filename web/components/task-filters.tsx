// The task list's controls: view (active/deleted), status filter, search as you type, page size, CSV export.
import type { Ref } from "preact";
import { useEffect, useState } from "preact/hooks";
import { exportUrl, TASK_STATUSES, type TaskQuery } from "../api";
import { TASK_STATUS_LABEL } from "../format";
import { useDebounced } from "../use-debounced";
import { PAGE_SIZES } from "../use-tasks";

export const SEARCH_DEBOUNCE_MS = 250;

type Props = {
  query: TaskQuery;
  setQuery: (patch: Partial<TaskQuery>) => void;
  limit: number;
  setLimit: (limit: number) => void;
  searchRef: Ref<HTMLInputElement>;
};

export function TaskFilters({ query, setQuery, limit, setLimit, searchRef }: Props) {
  const [search, setSearch] = useState(query.search);
  const debounced = useDebounced(search, SEARCH_DEBOUNCE_MS);
  useEffect(() => {
    if (debounced !== query.search) setQuery({ search: debounced });
  }, [debounced, query.search, setQuery]);

  const toggleStatus = (status: (typeof TASK_STATUSES)[number], on: boolean) => {
    const next = on ? [...query.statuses, status] : query.statuses.filter((s) => s !== status);
    setQuery({ statuses: TASK_STATUSES.filter((s) => next.includes(s)) });
  };

  return (
    <div class="filters">
      <fieldset class="segmented">
        <legend>View</legend>
        {(["exclude", "only"] as const).map((value) => (
          <label key={value}>
            <input
              type="radio"
              name="task-view"
              value={value}
              checked={query.deleted === value}
              onChange={() => setQuery({ deleted: value })}
            />
            <span>{value === "exclude" ? "Active" : "Deleted"}</span>
          </label>
        ))}
      </fieldset>
      <fieldset class="checks">
        <legend>Status</legend>
        {TASK_STATUSES.map((status) => (
          <label key={status}>
            <input
              type="checkbox"
              checked={query.statuses.includes(status)}
              onChange={(e) => toggleStatus(status, e.currentTarget.checked)}
            />
            <span>{TASK_STATUS_LABEL[status]}</span>
          </label>
        ))}
      </fieldset>
      <label class="field search">
        <span>Search titles</span>
        <input
          ref={searchRef}
          type="search"
          placeholder="Type to filter (shortcut: /)"
          value={search}
          aria-keyshortcuts="/"
          onInput={(e) => setSearch(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Escape") e.currentTarget.blur();
          }}
        />
      </label>
      <label class="field">
        <span>Per page</span>
        <select value={String(limit)} onChange={(e) => setLimit(Number(e.currentTarget.value))}>
          {PAGE_SIZES.map((size) => (
            <option key={size} value={String(size)}>
              {size}
            </option>
          ))}
        </select>
      </label>
      <a class="button" href={exportUrl(query)} download data-testid="export-csv">
        Export CSV
      </a>
    </div>
  );
}
