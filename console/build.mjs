// Bundles the console into OUTDIR (node build.mjs OUTDIR): app.js, app.css and index.html, the
// three files cmake/embed-console.cmake compiles into arbiter. One script and one stylesheet, no
// source maps, no inline code: the CSP that serves them allows nothing else.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const outdir = process.argv[2];
if (!outdir) {
  console.error("usage: node build.mjs OUTDIR");
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
// A clean folder: the embed step refuses files it does not expect.
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: { app: join(here, "src/main.tsx") },
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  jsx: "automatic",
  jsxImportSource: "preact",
  legalComments: "eof",
  outdir,
  logLevel: "warning",
});
await build({
  entryPoints: { app: join(here, "src/app.css") },
  bundle: true,
  minify: true,
  outdir,
  logLevel: "warning",
});
copyFileSync(join(here, "src/index.html"), join(outdir, "index.html"));
