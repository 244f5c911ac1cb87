// The compose file, brought up with podman-compose (a Debian package) over the image the test just built.
import { spawnSync } from "node:child_process";
import { call, freePort, waitForHealth } from "./http";
import { podman, withPodmanEnv } from "./podman";

type CheckFn = (name: string, body: () => Promise<string | undefined> | string | undefined) => Promise<void>;

export type ComposeTest = {
  root: string;
  image: string;
  suffix: string;
  env: Record<string, string>;
  check: CheckFn;
};

// The image name docker-compose.yml gives its service.
const COMPOSE_IMAGE = "localhost/task-sync:latest";

export async function checkCompose({ root, image, suffix, env, check }: ComposeTest): Promise<void> {
  if (spawnSync("podman-compose", ["--version"]).status !== 0) {
    console.log("  - podman-compose is not installed: the compose file was not brought up");
    return;
  }
  const project = `tasksync-compose-${suffix}`;
  const port = await freePort();
  // The compose file's ${NAME:-default} settings come from the caller's environment, as with docker compose.
  const composeEnv = { TASKSYNC_PORT: String(port), ...env };
  const compose = (args: string[]) => {
    const res = withPodmanEnv("podman-compose", ["--project-name", project, ...args], root, {
      env: composeEnv,
    });
    const out = `${res.stdout}${res.stderr}`;
    if (res.status !== 0)
      throw new Error(`podman-compose ${args.join(" ")} exited ${res.status}:\n${out.slice(-3000)}`);
    return out;
  };
  podman(["tag", image, COMPOSE_IMAGE]);
  const base = `http://127.0.0.1:${port}`;
  try {
    await check(
      "docker-compose.yml comes up with podman-compose and syncs into its named volume",
      async () => {
        compose(["up", "--detach", "--no-build"]);
        await waitForHealth(base, () => compose(["logs"]));
        const run = await call(base, "/api/sync", "POST");
        if (run.status !== 200 || run.body.status !== "success")
          throw new Error(`sync: ${JSON.stringify(run)}`);
        const volumes = podman(["volume", "ls", "--format", "{{.Name}}"]).stdout;
        if (!volumes.includes(`${project}_task-sync-data`)) throw new Error(`no named volume:\n${volumes}`);
        return `port ${port}`;
      },
    );
  } finally {
    withPodmanEnv("podman-compose", ["--project-name", project, "down", "--volumes"], root, {
      env: composeEnv,
    });
    // podman-compose 1.0.3 leaves the project's network behind.
    podman(["network", "rm", `${project}_default`], { allowFail: true });
    podman(["rmi", COMPOSE_IMAGE], { allowFail: true });
  }
}
