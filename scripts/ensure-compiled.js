/**
 * Keeps bin/ a compiled copy of the program, so drivers such as `npm run plan` run plain
 * JavaScript instead of transpiling TypeScript on every start (ts-node spends ~8 CPU-s on it).
 *
 * Preloaded as `node --require ./scripts/ensure-compiled.js bin/stacks/plan.js`: before Node
 * resolves the main file, it hashes the program's sources and, only when they differ from the
 * last build, transpiles them with esbuild (no type check: `npm run typecheck` and `npm test`
 * do that). A warm run costs one hash of ~1 MB of source; a cold one about a second.
 *
 * Plain JavaScript on purpose: it has to run before anything is compiled.
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const OUT_DIR = "bin";
const STAMP = ".compiled-from";
/** Not program modules: tests, the e2e harness and scripts run under ts-node (the same rule as tests/architecture). */
const SKIPPED_DIRS = new Set(["node_modules", "bin", "out", ".git", ".cache", "tests", "e2e", "scripts"]);

/** The program's TypeScript files, relative to root, in a stable order. */
function programSources(root = ROOT) {
  const files = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name) && !e.name.startsWith(".")) walk(rel);
      } else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) files.push(rel);
    }
  };
  walk(".");
  return files.map((f) => path.normalize(f)).sort();
}

/** What a build depends on: every source's path and content, the compiler options and the compiler. */
function sourceHash(files, root = ROOT) {
  const hash = crypto.createHash("sha256");
  hash.update(`esbuild ${require("esbuild/package.json").version}\n`);
  hash.update(fs.readFileSync(path.join(root, "tsconfig.json")));
  hash.update(fs.readFileSync(__filename));
  for (const f of files) hash.update(`\0${f}\0`).update(fs.readFileSync(path.join(root, f)));
  return hash.digest("hex");
}

function isFresh(root, hash) {
  try {
    return fs.readFileSync(path.join(root, OUT_DIR, STAMP), "utf8") === hash;
  } catch {
    return false;
  }
}

/**
 * Compiles the program into <root>/bin unless bin/ already holds a build of these exact sources.
 * Builds into a fresh folder and swaps it in, so a file deleted from the sources leaves no stale
 * module behind. Returns whether it compiled.
 */
function ensureCompiled({ root = ROOT, force = false } = {}) {
  const files = programSources(root);
  const hash = sourceHash(files, root);
  if (!force && isFresh(root, hash)) return false;

  const esbuild = require("esbuild");
  const staging = fs.mkdtempSync(path.join(root, `${OUT_DIR}.building-`));
  try {
    esbuild.buildSync({
      absWorkingDir: root,
      entryPoints: files,
      outdir: staging,
      outbase: ".",
      bundle: false,
      format: "cjs",
      platform: "node",
      target: "node20",
      // CommonJS like tsc's `module: commonjs`: `await import("./x")` becomes a require, not an ESM load.
      supported: { "dynamic-import": false },
      tsconfig: path.join(root, "tsconfig.json"),
      // Unused unless asked for (NODE_OPTIONS=--enable-source-maps maps stack traces to the .ts).
      sourcemap: "linked",
      logLevel: "silent",
    });
    fs.writeFileSync(path.join(staging, STAMP), hash);
    const old = path.join(root, `${OUT_DIR}.old-${process.pid}`);
    if (fs.existsSync(path.join(root, OUT_DIR))) fs.renameSync(path.join(root, OUT_DIR), old);
    fs.renameSync(staging, path.join(root, OUT_DIR));
    fs.rmSync(old, { recursive: true, force: true });
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  return true;
}

module.exports = { ensureCompiled, programSources, sourceHash };

/** Preloaded (--require) or run directly: compile now, and stop with esbuild's message on a syntax error. */
if (require.main === module || module.parent?.id === "internal/preload") {
  try {
    ensureCompiled({ force: process.argv.includes("--force") && require.main === module });
  } catch (e) {
    const errors = e && Array.isArray(e.errors) ? e.errors : [];
    const where = (m) => (m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ` : "");
    console.error(errors.length ? errors.map((m) => `${where(m)}${m.text}`).join("\n") : String(e));
    console.error("compiling the program into bin/ failed");
    process.exit(1);
  }
}
