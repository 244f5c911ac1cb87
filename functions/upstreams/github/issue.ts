// Validates one item of GitHub's issue listing and maps it onto a task; pull requests are recognised and set apart.
import { z } from "zod";
import type { InvalidRecord, LiveRecord } from "../adapter";
import { isoTime, payloadExcerpt, payloadText, title } from "../records";
import { externalIdFor, type RepoRef } from "./repo";

const labelSchema = z.union([z.string(), z.object({ name: z.string() })]);

export const issueSchema = z.object({
  number: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  // Trimmed, 1–500 characters, as every upstream's titles are (records.ts).
  title,
  state: z.enum(["open", "closed"]),
  labels: z.array(labelSchema).max(1000).default([]),
  updated_at: isoTime,
  html_url: z.url({ protocol: /^https?$/ }).max(2000),
});

export type IssueMapping = { repo: RepoRef; inProgressLabel: string };

export type ClassifiedItem =
  | { kind: "live"; record: LiveRecord }
  | { kind: "pull_request" }
  | { kind: "invalid"; record: InvalidRecord };

/** GitHub lists pull requests among issues; the `pull_request` key (present, whatever its value) marks them. */
export function isPullRequest(item: unknown): boolean {
  return typeof item === "object" && item !== null && "pull_request" in item;
}

/** closed → done; open with the in-progress label (any case) → in_progress; any other open issue → todo. */
export function statusOf(
  state: "open" | "closed",
  labels: string[],
  inProgressLabel: string,
): LiveRecord["status"] {
  if (state === "closed") return "done";
  const wanted = inProgressLabel.trim().toLowerCase();
  return labels.some((l) => l.trim().toLowerCase() === wanted) ? "in_progress" : "todo";
}

export function classifyItem(item: unknown, mapping: IssueMapping): ClassifiedItem {
  if (isPullRequest(item)) return { kind: "pull_request" };
  const parsed = issueSchema.safeParse(item);
  if (!parsed.success) return { kind: "invalid", record: invalidRecord(item, parsed.error, mapping.repo) };
  const issue = parsed.data;
  const labels = issue.labels.map((l) => (typeof l === "string" ? l : l.name));
  return {
    kind: "live",
    record: {
      id: externalIdFor(mapping.repo, issue.number),
      title: issue.title,
      status: statusOf(issue.state, labels, mapping.inProgressLabel),
      updated_at: issue.updated_at,
      source_url: issue.html_url,
    },
  };
}

/** An item's issue number, when it has a usable one (an item that fails validation may still). */
export function itemNumber(item: unknown): number | undefined {
  const number = (item as { number?: unknown } | null)?.number;
  return typeof number === "number" && Number.isSafeInteger(number) && number > 0 ? number : undefined;
}

function invalidRecord(item: unknown, error: z.ZodError, repo: RepoRef): InvalidRecord {
  const number = itemNumber(item);
  return {
    externalId: number === undefined ? null : externalIdFor(repo, number),
    raw: payloadExcerpt(payloadText(item)),
    reason: error.issues.map((i) => `${i.path.join(".") || "issue"}: ${i.message}`).join("; "),
  };
}
