// The fake GitHub's repository: issues and pull requests sharing one number sequence, with their own clock, and
// the ways GitHub loses an issue (deleted → 410, transferred → 301).
export type FakeIssue = {
  id: number;
  node_id: string;
  number: number;
  title: string;
  state: "open" | "closed";
  labels: string[];
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  pull_request: boolean;
  /** Gone from the listing: deleted (GET answers 410) or transferred (GET answers 301 to its new home). */
  gone?: { kind: "deleted" } | { kind: "transferred"; repoId: number; number: number };
};

export type DatasetOptions = {
  /** How many numbers to create (issues and pull requests together). */
  total: number;
  /** Every n-th number is a pull request; 0 for none. */
  pullEvery: number;
  /** The fake's clock at the start (GitHub's own time, not ours). */
  now: Date;
};

const START = Date.parse("2026-01-01T00:00:00Z");

export class FakeRepository {
  readonly items = new Map<number, FakeIssue>();
  private nextNumber = 1;
  private nextId = 2_000_000;
  nowMs: number;

  constructor(options: DatasetOptions) {
    this.nowMs = options.now.getTime();
    for (let i = 1; i <= options.total; i++) {
      const pull = options.pullEvery > 0 && i % options.pullEvery === 0;
      const created = START + i * 60_000;
      const updated = Math.min(this.nowMs - 1000, created + ((i * 7919) % 1000) * 60_000);
      this.add({
        title: pull ? `Pull request ${i}` : `Issue ${i}: ${WORDS[i % WORDS.length]}`,
        state: i % 4 === 0 ? "closed" : "open",
        labels: i % 6 === 1 ? ["In Progress"] : i % 10 === 3 ? ["bug"] : [],
        pull_request: pull,
        created_at: iso(created),
        updated_at: iso(Math.max(created, updated)),
      });
    }
  }

  now(): Date {
    return new Date(this.nowMs);
  }

  /** Moves GitHub's clock forward (seconds matter: `since` and `Date` have second resolution). */
  advance(ms: number): void {
    this.nowMs += ms;
  }

  create(fields: Partial<Pick<FakeIssue, "title" | "state" | "labels" | "pull_request">> = {}): FakeIssue {
    const at = iso(this.nowMs);
    return this.add({
      title: fields.title ?? `New issue ${this.nextNumber}`,
      state: fields.state ?? "open",
      labels: fields.labels ?? [],
      pull_request: fields.pull_request ?? false,
      created_at: at,
      updated_at: at,
    });
  }

  /** Edits an issue as a person would: `updated_at` becomes GitHub's now. */
  update(number: number, patch: Partial<Pick<FakeIssue, "title" | "state" | "labels">>): FakeIssue {
    const issue = this.live(number);
    Object.assign(issue, patch, { updated_at: iso(this.nowMs) });
    if (patch.state) issue.closed_at = patch.state === "closed" ? iso(this.nowMs) : null;
    return issue;
  }

  delete(number: number): void {
    this.live(number).gone = { kind: "deleted" };
  }

  /** Moves the issue to another repository, where it gets a new id and number; the old URL answers 301. */
  transfer(number: number, toRepoId: number): void {
    this.live(number).gone = { kind: "transferred", repoId: toRepoId, number: 900_000 + number };
  }

  visible(): FakeIssue[] {
    return [...this.items.values()].filter((i) => !i.gone);
  }

  /** Issues only (no pull requests), as a sync should end up with them. */
  visibleIssues(): FakeIssue[] {
    return this.visible().filter((i) => !i.pull_request);
  }

  private live(number: number): FakeIssue {
    const issue = this.items.get(number);
    if (!issue || issue.gone) throw new Error(`fake GitHub has no issue #${number}`);
    return issue;
  }

  private add(fields: Omit<FakeIssue, "id" | "node_id" | "number" | "closed_at">): FakeIssue {
    const number = this.nextNumber++;
    const id = this.nextId++;
    const issue: FakeIssue = {
      ...fields,
      id,
      node_id: `I_kwDOFAKE${id.toString(36)}`,
      number,
      closed_at: fields.state === "closed" ? fields.updated_at : null,
    };
    this.items.set(number, issue);
    return issue;
  }
}

function iso(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

const WORDS = ["login fails", "export is slow", "typo in docs", "crash on start", "dark mode", "flaky test"];
