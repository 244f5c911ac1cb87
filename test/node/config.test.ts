import { readFileSync } from "node:fs";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../functions/config";

describe("configuration", () => {
  it("applies the documented defaults", () => {
    expect(parseConfig({})).toMatchObject({
      PORT: 8787,
      SYNC_LEASE_SECONDS: 60,
      SIM_TOTAL: 500,
      SIM_FAILURE_RATE: 0.2,
    });
  });

  it("treats empty strings as unset", () => {
    expect(parseConfig({ UPSTREAM_URL: "", PORT: "" }).UPSTREAM_URL).toBeUndefined();
  });

  it("refuses bad values with one message naming each", () => {
    expect(() => parseConfig({ PORT: "http", SIM_FAILURE_RATE: "2", UPSTREAM_URL: "not a url" })).toThrow(
      /PORT[\s\S]*UPSTREAM_URL[\s\S]*SIM_FAILURE_RATE|PORT[\s\S]*SIM_FAILURE_RATE/,
    );
  });

  it("refuses a short API_TOKEN or METRICS_TOKEN", () => {
    expect(() => parseConfig({ API_TOKEN: "secret" })).toThrow(/API_TOKEN/);
    expect(() => parseConfig({ METRICS_TOKEN: "secret" })).toThrow(/METRICS_TOKEN/);
  });

  it("wrangler.toml's SYNC_CRON var equals its cron trigger, so next_scheduled_at tells the truth", () => {
    const toml = parse(readFileSync("wrangler.toml", "utf8")) as {
      triggers: { crons: string[] };
      vars: { SYNC_CRON: string };
    };
    expect(toml.vars.SYNC_CRON).toBe(toml.triggers.crons[0]);
  });
});

describe("upstream URLs with credentials", () => {
  // fetch refuses such a URL and its error quotes it whole, password included, into the run's errors, which
  // GET /api/sync/status shows to anyone; so they are refused at start, by a message that does not show them.
  it.each([
    ["UPSTREAM_URL", { UPSTREAM_URL: "https://sync:s3cret-pass@tasks.example.com/api" }],
    ["UPSTREAM_URL", { UPSTREAM_URL: "https://s3cret-pass@tasks.example.com/" }],
    [
      "GITHUB_API_URL",
      {
        UPSTREAM: "github",
        GITHUB_REPO: "a/b",
        GITHUB_API_URL: "https://x:s3cret-pass@ghe.example.com/api/v3",
      },
    ],
  ])("refuses %s with user:password@ and never prints it", (name, env) => {
    let message = "";
    try {
      parseConfig(env);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(`${name} must not carry credentials`);
    expect(message).not.toContain("s3cret-pass");
  });

  it("still accepts URLs without them", () => {
    expect(parseConfig({ UPSTREAM_URL: "https://tasks.example.com/api" }).UPSTREAM_URL).toBe(
      "https://tasks.example.com/api",
    );
  });
});
