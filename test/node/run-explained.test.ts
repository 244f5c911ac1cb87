// The dashboard's plain-words line for a run's outcome must not claim what the run did not do.
import { describe, expect, it } from "vitest";
import { explainRun } from "../../web/format";

describe("explainRun", () => {
  it("a failed run with no page saved says nothing was saved", () => {
    expect(explainRun({ status: "failed", pages: 0 })).toMatch(/^Nothing from this run was saved/);
  });

  it("a failed run whose listing was saved but whose end was not says so, not that nothing was saved", () => {
    const text = explainRun({ status: "failed", pages: 3 });
    expect(text).toMatch(/^Its 3 pages were saved, but the run could not finish/);
    expect(text).not.toMatch(/nothing/i);
  });

  it("a partial run does not claim every page was saved", () => {
    expect(explainRun({ status: "partial", pages: 1 })).toMatch(/^Its 1 page was saved, but not everything/);
  });

  it("says nothing more for a success or a running run", () => {
    expect(explainRun({ status: "success", pages: 2 })).toBeUndefined();
    expect(explainRun({ status: "running", pages: 2 })).toBeUndefined();
  });
});
