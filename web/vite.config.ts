import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import preact from "@preact/preset-vite";
import { defineConfig, type Plugin } from "vite";
import { assetHeadersFile } from "../functions/http/security-headers";

// The API reference page (/api/docs) runs Scalar's standalone bundle from our own origin: emit it beside
// the dashboard so both runtimes serve it as a static file.
function scalarBundle(): Plugin {
  // The package exports no subpath for it, so it is read from its installed place.
  const file = fileURLToPath(
    new URL("../node_modules/@scalar/api-reference/dist/browser/standalone.js", import.meta.url),
  );
  return {
    name: "scalar-bundle",
    generateBundle() {
      this.emitFile({ type: "asset", fileName: "docs/scalar.js", source: readFileSync(file) });
    },
  };
}

// The Workers assets layer serves the dashboard without running the app: `_headers` gives its files the
// same security headers the app sets (wrangler reads it from the assets directory and does not serve it).
function assetHeaders(): Plugin {
  return {
    name: "asset-headers",
    async generateBundle() {
      this.emitFile({ type: "asset", fileName: "_headers", source: await assetHeadersFile() });
    },
  };
}

// Builds the dashboard into dist/web, which Workers serve as assets and Node serves statically.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [preact(), scalarBundle(), assetHeaders()],
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    // No inline scripts: the CSP allows only same-origin script files.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
  server: { proxy: { "/api": "http://127.0.0.1:8787", "/simulator": "http://127.0.0.1:8787" } },
});
