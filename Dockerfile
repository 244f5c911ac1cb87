# The Node entry of the Task Sync Service as a container: libSQL file on a volume, migrations applied at boot.
# Build: podman build -t task-sync .   (or docker build; test/container/run.ts builds and runs it for real)

# --- build: the dashboard and the server bundle with the dev dependencies, then only the run-time ones kept ---
FROM docker.io/library/node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json wrangler.toml ./
COPY web ./web
COPY functions ./functions
COPY db ./db
# One install serves both: build with everything, then drop what the server does not need at run time (the
# bundle leaves node_modules' packages as imports; esbuild, tsx and the rest of the dev dependencies go).
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# --- the image that runs ---
FROM docker.io/library/node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8787 \
    DATABASE_URL=file:/data/tasksync.db
WORKDIR /app
# A fixed, unprivileged user that owns only the data volume.
RUN groupadd --system --gid 10001 tasksync \
 && useradd --system --uid 10001 --gid tasksync --home-dir /app --shell /usr/sbin/nologin tasksync \
 && mkdir -p /data && chown tasksync:tasksync /data
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/web ./dist/web
COPY --from=build /app/dist/node.mjs /app/dist/write-thread-worker.mjs ./dist/
# What the bundle reads at run time, from the root it finds one folder above itself (db/project-root.ts).
COPY package.json wrangler.toml ./
COPY db/migrations ./db/migrations
VOLUME ["/data"]
USER tasksync
EXPOSE 8787
# No curl in the image: node asks the health route itself (loopback, so the Host allowlist admits it).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8787)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node is PID 1 and handles SIGTERM itself: it stops the schedule, closes the server and the database.
CMD ["node", "--max-old-space-size=96", "--max-semi-space-size=4", "dist/node.mjs"]
