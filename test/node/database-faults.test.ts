// Which errors count as a database fault (and so answer 503, not 500), whichever driver raised them.
import { describe, expect, it } from "vitest";
import { DatabaseBusyError, databaseFault } from "../../db/database-faults";

const wrapped = (cause: unknown) => new Error("Failed query: update tasks set …", { cause });

describe("databaseFault", () => {
  it("reads libSQL's code, through drizzle's wrapper", () => {
    expect(
      databaseFault(
        wrapped(Object.assign(new Error("SQLITE_BUSY: database is locked"), { code: "SQLITE_BUSY" })),
      ),
    ).toBe("busy");
    expect(databaseFault(Object.assign(new Error("x"), { code: "SQLITE_FULL" }))).toBe("full");
    expect(databaseFault(wrapped(new DatabaseBusyError(5000)))).toBe("busy");
  });

  it("reads the message when there is no code (D1 and remote drivers)", () => {
    expect(databaseFault(new Error("D1_ERROR: database or disk is full: SQLITE_FULL"))).toBe("full");
    expect(databaseFault(new Error("attempt to write a readonly database"))).toBe("readonly");
    expect(databaseFault(new Error("database disk image is malformed"))).toBe("corrupt");
  });

  it("leaves every other error alone, so it stays a 500 with a request id", () => {
    expect(databaseFault(new Error("Malformed JSON in request body"))).toBeUndefined();
    expect(
      databaseFault(Object.assign(new Error("UNIQUE constraint failed"), { code: "SQLITE_CONSTRAINT" })),
    ).toBeUndefined();
    expect(databaseFault(new TypeError("Cannot read properties of undefined"))).toBeUndefined();
  });
});
