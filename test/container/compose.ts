// The compose file, brought up with podman-compose (a Debian package) over the image the test just built.
import { spawnSync } from "node:child_process";
import { freePort, waitForHealth } from "./http";
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
  const compose = (args: string[]) => {
    const res = withPodmanEnv("podman-compose", ["--project-name", project, ...args], root);
    const out = `${res.stdout}${res.stderr}`;
    if (res.status !== 0)
      throw new Error(`podman-compose ${args.join(" ")} exited ${res.status}:\n${out.slice(-3000)}`);
    return out;
  };
  // The compose file's environment takes these from the caller's, as `docker compose` would.
  Object.assign(process.env, { TASKSYNC_PORT: String(port), ...env });
  podman(["tag", image, COMPOSE_IMAGE]);
  const base = `http://127.0.0.1:${port}`;
  try {
    await check(
      "docker-compose.yml comes up with podman-compose and syncs into its named volume",
      async () => {
        compose(["up", "--detach", "--no-build"]);
        await waitForHealth(base, () => compose(["logs"]));
        const res = await fetch(`${base}/api/sync`, { method: "POST", headers: { origin: base } });
        const run = (await res.json()) as { status?: string };
        if (res.status !== 200 || run.status !== "success")
          throw new Error(`sync: ${res.status} ${JSON.stringify(run)}`);
        const volumes = podman(["volume", "ls", "--format", "{{.Name}}"]).stdout;
        if (!volumes.includes(`${project}_task-sync-data`)) throw new Error(`no named volume:\n${volumes}`);
        return `port ${port}`;
      },
    );
  } finally {
    withPodmanEnv("podman-compose", ["--project-name", project, "down", "--volumes"], root);
    podman(["rmi", COMPOSE_IMAGE], { allowFail: true });
  }
}
