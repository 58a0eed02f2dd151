import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { deferredModule } from "../../stacks/lazy-sdk-deps";

describe("drivers defer the SDK's function-serialization dependencies until used", () => {
  it("a deferred module loads on first use only, then behaves as the module", () => {
    let loads = 0;
    const real = { Arborist: class Arborist {}, version: "1.0" };
    const m = deferredModule(() => {
      loads += 1;
      return real;
    }) as typeof real & { __esModule?: boolean };
    // What `__importStar(require(x))` asks at import time: nothing loads.
    assert.equal(m.__esModule, true);
    assert.equal(loads, 0);
    assert.equal(m.version, "1.0");
    assert.equal(new m.Arborist() instanceof real.Arborist, true);
    assert.ok("Arborist" in m);
    assert.deepEqual(Object.keys(m), ["Arborist", "version"]);
    assert.equal(loads, 1);
  });

  it("under a driver, loading the SDK loads neither TypeScript nor Arborist, and serializing a function still works", function () {
    // Plain JavaScript in the child: ts-node would load TypeScript itself.
    const source = fs.readFileSync(path.resolve(__dirname, "../../stacks/lazy-sdk-deps.ts"), "utf8");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lazy-sdk-"));
    const lazy = path.join(dir, "lazy-sdk-deps.js");
    fs.writeFileSync(lazy, ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText);
    const code = `
      const loaded = (m) => Object.keys(require.cache).some((f) => f.includes("/node_modules/" + m + "/"));
      const pulumi = require("@pulumi/pulumi");
      const before = { typescript: loaded("typescript"), arborist: loaded("@npmcli/arborist") };
      const x = 41;
      pulumi.runtime.serializeFunction(() => x + 1).then((f) => {
        console.log(JSON.stringify({ before, after: loaded("typescript"), text: f.text }));
      });`;
    const r = spawnSync(process.execPath, ["--require", lazy, "-e", code], { encoding: "utf8", cwd: path.resolve(__dirname, "../..") });
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { before: Record<string, boolean>; after: boolean; text: string };
    assert.deepEqual(out.before, { typescript: false, arborist: false });
    assert.equal(out.after, true, "serializing loads TypeScript");
    assert.match(out.text, /x: 41/);
    assert.match(out.text, /return \(\) => x \+ 1;/);
  });
});
