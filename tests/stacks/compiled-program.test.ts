/**
 * `npm run plan` runs the program compiled into bin/ by scripts/ensure-compiled.js. These tests
 * hold the promises that make that safe: bin/ always matches the sources, and an unchanged tree
 * is not compiled again.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ensureCompiled, programSources } from "../../scripts/ensure-compiled";

const PROJECT_ROOT = path.resolve(__dirname, "../..");

const made: string[] = [];

/** A small project laid out like this one: program modules, plus tests and scripts that are not. */
function tinyProject(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "compiled-program-"));
  made.push(root);
  fs.copyFileSync(path.join(PROJECT_ROOT, "tsconfig.json"), path.join(root, "tsconfig.json"));
  const files: Record<string, string> = {
    "lib/answer.ts": "export const answer: number = 42;\n",
    "lib/gone.ts": "export const gone = true;\n",
    "main.ts": 'export async function load(): Promise<number> {\n  const { answer } = await import("./lib/answer");\n  return answer;\n}\n',
    "tests/main.test.ts": "this is not compiled ((\n",
    "scripts/tool.ts": "neither is this ((\n",
  };
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), text);
  }
  return root;
}

/** Requires a compiled module of `root`, not the copy an earlier build left in require's cache. */
function loadFresh(root: string, file: string): Record<string, unknown> {
  for (const k of Object.keys(require.cache)) if (k.startsWith(root + path.sep)) delete require.cache[k];
  return require(path.join(root, file)) as Record<string, unknown>;
}

describe("compiled program (scripts/ensure-compiled.js)", () => {
  after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it("compiles every program module, and only those, into bin/ as CommonJS that runs", async () => {
    const root = tinyProject();
    assert.deepEqual(programSources(root), ["lib/answer.ts", "lib/gone.ts", "main.ts"]);
    assert.equal(ensureCompiled({ root }), true);
    assert.ok(!fs.existsSync(path.join(root, "bin/tests")) && !fs.existsSync(path.join(root, "bin/scripts")));
    // A dynamic import must become a require, as under tsc's module: commonjs.
    const main = loadFresh(root, "bin/main.js") as { load(): Promise<number> };
    assert.equal(await main.load(), 42);
  });

  it("does not compile again while the sources are unchanged", () => {
    const root = tinyProject();
    assert.equal(ensureCompiled({ root }), true);
    assert.equal(ensureCompiled({ root }), false);
    assert.equal(ensureCompiled({ root, force: true }), true);
  });

  it("recompiles an edited source and drops the module of a deleted one", () => {
    const root = tinyProject();
    ensureCompiled({ root });
    fs.writeFileSync(path.join(root, "lib/answer.ts"), "export const answer: number = 43;\n");
    fs.rmSync(path.join(root, "lib/gone.ts"));
    assert.equal(ensureCompiled({ root }), true);
    assert.equal(loadFresh(root, "bin/lib/answer.js").answer, 43);
    assert.ok(!fs.existsSync(path.join(root, "bin/lib/gone.js")));
  });

  it("a syntax error fails the build and keeps the previous one", () => {
    const root = tinyProject();
    ensureCompiled({ root });
    fs.writeFileSync(path.join(root, "lib/answer.ts"), "export const answer: number = ;\n");
    assert.throws(() => ensureCompiled({ root }), /Unexpected ";"/);
    assert.equal(loadFresh(root, "bin/lib/answer.js").answer, 42);
    assert.deepEqual(fs.readdirSync(root).filter((f) => f.startsWith("bin.")), [], "staging folder left behind");
  });
});
