// A slice's commits, written behind its listing: while one group's batch is written (on the write thread, or by
// D1), the next pages are read, validated and planned. At most one batch is in flight, and a page that names an
// id of an unwritten page waits until that page is written, so every page is still planned against a stored
// state that holds every page before it.
import {
  addToGroup,
  type CommitGroup,
  emptyGroup,
  type GroupWrite,
  giveBackRequests,
  groupStatements,
  overlapsGroup,
  settled,
  settleGroupWrite,
  startGroupWrite,
} from "./commit";
import type { RunContext } from "./context";
import type { PlannedPage } from "./page";

export class CommitPipeline {
  readonly #group: CommitGroup = emptyGroup();
  #writing: GroupWrite | null = null;

  constructor(
    private readonly ctx: RunContext,
    /** Whether a started batch is left to run while the slice goes on (otherwise each commit is waited for). */
    private readonly behind: boolean,
    /** Runs after each batch is written, before the next one starts. */
    private readonly afterCommit: () => Promise<void>,
  ) {}

  /** Pages planned or being written, not yet committed. */
  get pages(): number {
    return this.#group.pages.length + (this.#writing?.pages.length ?? 0);
  }

  /** Statements the unwritten pages will take (their batches, lease renewal and checkpoint included). */
  get statements(): number {
    return groupStatements(this.#group) + (this.#writing?.statements ?? 0);
  }

  get records(): number {
    return this.#group.records;
  }

  /**
   * Whether the planned pages should be committed now: the group is full, or (writing behind) the database has
   * nothing in flight. So the first commit starts after the first page instead of after a full group, and
   * groups grow only while the database is the slower side.
   */
  shouldCommit(maxRecords: number): boolean {
    if (this.#group.records >= maxRecords) return true;
    return this.behind && this.#group.pages.length > 0 && (this.#writing?.answered ?? true);
  }

  /**
   * Waits for `pending` (the next page from upstream). If the batch in flight is answered meanwhile, the pages
   * planned since start at once instead of when the page arrives: the database is the slower side and is not
   * left idle while upstream answers.
   */
  async whileWaiting<T>(pending: Promise<T>): Promise<T> {
    const arrived = settled(pending).then(() => true);
    while (this.behind && this.#group.pages.length > 0 && this.#writing) {
      const write = this.#writing;
      if (!write.answered) {
        const first = await Promise.race([arrived, settled(write.done).then(() => false)]);
        if (first) break;
      }
      await this.commit();
    }
    return pending;
  }

  add(page: PlannedPage): void {
    addToGroup(this.#group, page);
  }

  /** Before `ids` are planned: writes whatever unwritten page names one of them. */
  async makeRoomFor(ids: readonly string[]): Promise<void> {
    if (overlapsGroup(this.#group, ids)) await this.flush();
    else if (this.#writing && overlapsGroup(this.#writing, ids)) await this.#settle();
  }

  /** Starts writing the planned pages, once the batch before them is written; waits for it unless `behind`. */
  async commit(): Promise<void> {
    try {
      await this.#settle();
    } catch (err) {
      this.#dropGroup();
      throw err;
    }
    this.#writing = startGroupWrite(this.ctx, this.#group);
    if (!this.behind) await this.#settle();
  }

  /** Writes every planned page and waits until all are written. */
  async flush(): Promise<void> {
    await this.commit();
    await this.#settle();
  }

  /** The slice fails: waits for the batch in flight (its failure is not this one's) and drops unwritten pages. */
  async abandon(): Promise<void> {
    try {
      await this.#settle();
    } catch {
      // The slice already fails with another error; this batch's requests went back to the run.
    }
    this.#dropGroup();
  }

  async #settle(): Promise<void> {
    const write = this.#writing;
    if (!write) return;
    this.#writing = null;
    await settleGroupWrite(this.ctx, write);
    await this.afterCommit();
  }

  #dropGroup() {
    giveBackRequests(this.ctx, this.#group.pages);
    Object.assign(this.#group, emptyGroup());
  }
}
