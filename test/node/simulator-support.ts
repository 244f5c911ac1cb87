// What the simulator's tests share: a whole listing read through listPage, and an order check.
import { expect } from "vitest";
import type { Simulator, UpstreamRecord } from "../../functions/simulator/dataset";

/** Every record of a listing, page by page, through listPage (no faults). */
export function listAll(
  sim: Simulator,
  limit: number,
  updated_since?: string,
): { records: UpstreamRecord[]; pages: number } {
  const records: UpstreamRecord[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = sim.listPage({ limit, cursor, updated_since });
    expect(page.data.length).toBeLessThanOrEqual(limit);
    records.push(...page.data);
    cursor = page.next_cursor ?? undefined;
    pages++;
  } while (cursor !== undefined);
  return { records, pages };
}

export function isSorted(values: string[]): boolean {
  return values.every((v, i) => i === 0 || values[i - 1] < v);
}
