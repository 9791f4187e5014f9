// Bundles Neuroglancer (from npm) with only the precomputed data source and the kvstores it needs.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Neuroglancer pins ikonate to a GitHub fork; the npm release that the `ikonate: 1.1.1` override installs lacks a
 * few of the fork's icons. Resolve those to the drawings in icons/.
 */
function ikonateFallback() {
  return {
    name: "ikonate-fallback",
    enforce: "pre",
    resolveId(source) {
      const m = /^ikonate\/icons\/([a-z0-9-]+\.svg)(\?.*)?$/.exec(source);
      if (!m || existsSync(join(here, "node_modules", "ikonate", "icons", m[1]))) {
        return null;
      }
      const local = join(here, "icons", m[1]);
      return existsSync(local) ? local + (m[2] ?? "") : null;
    },
  };
}

/**
 * Neuroglancer starts its workers with `new Worker(/* webpackChunkName: ... *\/ new URL("...", import.meta.url))`.
 * Vite 7 only bundles a worker when `new URL` follows `new Worker(` directly (its plugin's code filter does not skip
 * comments); without this, the worker entry is inlined as an unbundled data: URL and fails in the browser.
 */
function neuroglancerWorkers() {
  return {
    name: "neuroglancer-worker-urls",
    enforce: "pre",
    transform(code, id) {
      if (!id.includes("/node_modules/neuroglancer/") || !code.includes("new Worker(")) {
        return null;
      }
      return { code: code.replace(/new Worker\(\s*\/\*[^*]*\*\/\s*new URL/g, "new Worker(new URL"), map: null };
    },
  };
}

export default defineConfig({
  // relative URLs: the bundle can be served from any path (connectome serve mounts it under /viewer/)
  base: "",
  plugins: [ikonateFallback(), neuroglancerWorkers()],
  resolve: {
    conditions: [
      "neuroglancer/datasource:none_by_default",
      "neuroglancer/datasource/precomputed:enabled",
    ],
  },
  // Neuroglancer's workers use dynamic imports; the chunk worker starts the async-computation workers itself, so
  // the worker build needs the same plugins
  worker: { format: "es", plugins: () => [ikonateFallback(), neuroglancerWorkers()] },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 4 * 1024 * 1024,
  },
  // Neuroglancer uses `new URL(..., import.meta.url)`, which the dev server's dependency optimizer cannot handle
  optimizeDeps: {
    entries: [
      "index.html",
      "node_modules/neuroglancer/lib/main.bundle.js",
      "node_modules/neuroglancer/lib/async_computation.bundle.js",
      "node_modules/neuroglancer/lib/chunk_worker.bundle.js",
    ],
    exclude: ["neuroglancer"],
  },
});
