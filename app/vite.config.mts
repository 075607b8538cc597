// Vite build of the wallet page. `vite build` writes app/dist/ (static files, no server code); `vite preview`
// and `vite` serve it with /deployments/<chain id>.json read live from the repository's deployments/ folder,
// so a redeployment shows up on reload without a rebuild.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Connect, Plugin } from "vite";
import { defineConfig } from "vite";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");

function deployments(): Plugin {
  const serve: Connect.NextHandleFunction = (req, res, next) => {
    const match = /^\/deployments\/(\d+)\.json(\?.*)?$/.exec(req.url ?? "");
    if (!match) return next();
    const file = resolve(root, "deployments", `${match[1]}.json`);
    if (!existsSync(file)) {
      res.statusCode = 404;
      res.end(`no deployments/${match[1]}.json: deploy first (ape run deploy stack|vault)`);
      return;
    }
    res.setHeader("Content-Type", "application/json");
    res.setHeader("Cache-Control", "no-store");
    res.end(readFileSync(file));
  };
  return {
    name: "deltavault-deployments",
    configureServer: (server) => void server.middlewares.use(serve),
    configurePreviewServer: (server) => void server.middlewares.use(serve),
  };
}

export default defineConfig({
  root: here,
  base: "./",
  plugins: [deployments()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    rollupOptions: {
      // viem's chain list reaches a Node-only module of `ox` that the page never loads (tree-shaken away).
      onwarn(warning, warn) {
        if (!/node:worker_threads/.test(warning.message)) warn(warning);
      },
    },
  },
  server: { fs: { allow: [root] } },
});
