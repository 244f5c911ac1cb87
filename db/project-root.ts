// Where the Node service finds the project's files at run time (wrangler.toml, db/migrations, the write thread).
// From this module's own URL: it is db/project-root.ts when the service runs from source (under tsx, as the tests
// run it) and dist/node.mjs when it runs from the build (`npm run build:server`), both one folder below the root.

/** The project's root folder. */
export const PROJECT_ROOT = new URL("../", import.meta.url);

/** Whether the service runs from its TypeScript source (under tsx) rather than from the build. */
export const FROM_SOURCE = import.meta.url.endsWith(".ts");
