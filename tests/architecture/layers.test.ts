/**
 * The layer order of DESIGN.md ("Layers — data flows down, never back up"), held on the real
 * import graph: every relative import of every program module is read with TypeScript's own
 * pre-processor and checked against the rank of the layer it points into.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { PROJECT_ROOT } from "../../stacks/stack-config";
import { COMPONENT_FOLDERS, importViolations, layerOf, type ImportEdge } from "./layer-rules";

/** Program modules: everything but tests, e2e and scripts, which sit above every layer. */
function programModules(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(path.join(PROJECT_ROOT, dir), { withFileTypes: true })) {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!["node_modules", "bin", "out", ".git", ".cache", "tests", "e2e", "scripts"].includes(e.name)) walk(rel);
      } else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(rel);
    }
  };
  walk(".");
  return out.map((f) => path.normalize(f));
}

function edgesOf(file: string): ImportEdge[] {
  const src = fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");
  const info = ts.preProcessFile(src, true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((s) => s.startsWith("."))
    .map((s) => ({ from: file, to: path.normalize(path.join(path.dirname(file), s)) }));
}

describe("layer order (DESIGN.md)", () => {
  const files = programModules();
  const edges = files.flatMap(edgesOf);

  it("finds the program's modules and their imports", () => {
    assert.ok(files.length > 50, `only ${files.length} modules found`);
    assert.ok(edges.length > 150, `only ${edges.length} imports found`);
    for (const f of files) assert.notEqual(layerOf(f), undefined, `${f} belongs to no layer of DESIGN.md`);
  });

  it("no import runs against the layer order", () => {
    const bad = importViolations(edges);
    assert.deepEqual(bad, [], `imports against the layer order:\n${bad.join("\n")}`);
  });

  it("every component folder is a known layer", () => {
    const folders = fs.readdirSync(path.join(PROJECT_ROOT, "components"), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    for (const f of folders) assert.ok(COMPONENT_FOLDERS.includes(f), `components/${f} is not in the layer table`);
  });

  it("catches a back edge and an import between sibling component folders", () => {
    assert.deepEqual(importViolations([{ from: "sizing/cost.ts", to: "stacks/environments" }]).length, 1);
    assert.deepEqual(importViolations([{ from: "components/data/postgres.ts", to: "components/platform/addons" }]).length, 1);
    assert.deepEqual(importViolations([{ from: "components/k8s/network.ts", to: "components/platform/index" }]).length, 1);
    assert.deepEqual(importViolations([{ from: "components/matrix/web.ts", to: "components/contracts" }]), []);
    assert.deepEqual(importViolations([{ from: "catalog/workers.ts", to: "config/keys" }]), []);
  });
});
