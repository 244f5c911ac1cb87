// UPSTREAM=github settings: validated together at start, with messages that say what to set and never the token.
import { describe, expect, it } from "vitest";
import { parseConfig, upstreamKind } from "../../functions/config";

const TOKEN = "ghp_configSecret0123456789";

function errorOf(raw: Record<string, unknown>): string {
  try {
    parseConfig(raw);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected the configuration to be refused");
}

describe("GitHub configuration", () => {
  it("accepts UPSTREAM=github with a repository and applies the documented defaults", () => {
    const config = parseConfig({
      UPSTREAM: "github",
      GITHUB_REPO: "octocat/Hello-World",
      GITHUB_TOKEN: `${TOKEN}\n`,
    });
    expect(config).toMatchObject({
      GITHUB_REPO: "octocat/Hello-World",
      GITHUB_TOKEN: TOKEN,
      GITHUB_IN_PROGRESS_LABEL: "in progress",
      GITHUB_API_URL: "https://api.github.com",
    });
    expect(upstreamKind(config)).toBe("github");
  });

  it("chooses the simulator by default and the HTTP contract when UPSTREAM_URL is set", () => {
    expect(upstreamKind(parseConfig({}))).toBe("simulator");
    expect(upstreamKind(parseConfig({ UPSTREAM_URL: "http://tasks.example" }))).toBe("http");
  });

  it("refuses UPSTREAM=github without GITHUB_REPO, or with a malformed one, naming the setting", () => {
    expect(errorOf({ UPSTREAM: "github" })).toContain("UPSTREAM=github needs GITHUB_REPO=owner/name");
    expect(errorOf({ UPSTREAM: "github", GITHUB_REPO: "just-a-name" })).toContain(
      "GITHUB_REPO must be owner/name",
    );
    expect(errorOf({ UPSTREAM: "github", GITHUB_REPO: "a/b/c" })).toContain("GITHUB_REPO must be owner/name");
  });

  it("refuses settings that contradict each other instead of silently syncing something else", () => {
    expect(errorOf({ GITHUB_REPO: "octocat/hello" })).toContain("set UPSTREAM=github");
    expect(errorOf({ UPSTREAM: "http" })).toContain("UPSTREAM=http needs UPSTREAM_URL");
    expect(errorOf({ UPSTREAM: "simulator", UPSTREAM_URL: "http://x.example" })).toContain("unset one");
    expect(errorOf({ UPSTREAM: "github", GITHUB_REPO: "o/r", UPSTREAM_URL: "http://x.example" })).toContain(
      "GITHUB_API_URL",
    );
    expect(errorOf({ UPSTREAM: "gitlab" })).toContain("UPSTREAM");
    expect(
      errorOf({ UPSTREAM: "github", GITHUB_REPO: "o/r", GITHUB_API_URL: "ftp://ghe.example" }),
    ).toContain("GITHUB_API_URL");
  });

  it("refuses a token with whitespace inside without ever printing it", () => {
    const bad = "ghp_half one";
    const message = errorOf({ UPSTREAM: "github", GITHUB_REPO: "o/r", GITHUB_TOKEN: bad, PORT: "nope" });
    expect(message).toContain("GITHUB_TOKEN contains whitespace");
    expect(message).not.toContain("ghp_half");
  });
});
