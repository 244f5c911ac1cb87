// The task API as its tests call it: a JSON answer with its status, and one page of the list.
import { expect } from "vitest";
import type { TaskRow } from "../../db/tasks";
import type { App } from "../../functions/app";

export type Page = { results: TaskRow[]; next_cursor: string | null; count: number; count_exact: boolean };

export async function getJson<T = Page>(app: App, path: string, init?: RequestInit) {
  const res = await app.request(path, init);
  return { status: res.status, body: (await res.json()) as T };
}

/** One page of GET /api/tasks with these parameters, which must answer 200. */
export async function list(app: App, params: Record<string, string | number> = {}) {
  const qs = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
  const { status, body } = await getJson(app, `/api/tasks?${qs}`);
  expect(status, JSON.stringify(body)).toBe(200);
  return body;
}

export const ids = (rows: readonly TaskRow[]) => rows.map((r) => r.id);
