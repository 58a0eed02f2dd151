import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { OutputDir } from "../../stacks/output-dir";

/** Every file under root with its content, relative paths sorted. */
function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(root, p)] = fs.readFileSync(p, "utf8");
    }
  };
  walk(root);
  return Object.fromEntries(Object.entries(out).sort());
}

describe("OutputDir (stacks/output-dir.ts)", () => {
  let root: string;
  beforeEach(() => (root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "output-dir-")), "stack")));
  afterEach(() => fs.rmSync(path.dirname(root), { recursive: true, force: true }));

  const write = (files: Record<string, string>) => {
    const out = new OutputDir(root);
    for (const [p, c] of Object.entries(files)) out.write(p, c);
    out.removeStale();
  };

  it("creates the folder and writes the files", () => {
    write({ "a.json": "1", "manifests/ns/x.yaml": "x" });
    assert.deepStrictEqual(tree(root), { "a.json": "1", [path.join("manifests", "ns", "x.yaml")]: "x" });
  });

  it("leaves exactly the files of the latest write: overwritten, stale files and emptied folders gone", () => {
    write({ "a.json": "1", "manifests/ns/x.yaml": "x", "manifests/old/y.yaml": "y" });
    fs.writeFileSync(path.join(root, "manifests", "ns", "by-hand.txt"), "stale");
    write({ "a.json": "2", "manifests/ns/z.yaml": "z" });
    assert.deepStrictEqual(tree(root), { "a.json": "2", [path.join("manifests", "ns", "z.yaml")]: "z" });
    assert.ok(!fs.existsSync(path.join(root, "manifests", "old")), "a folder with nothing written to it is removed");
  });

  it("replaces a folder where a file now goes, and a file where a folder now goes", () => {
    write({ "x/inner.yaml": "i", "f": "file" });
    write({ x: "now a file", "f/inner.yaml": "now a folder" });
    assert.deepStrictEqual(tree(root), { x: "now a file", [path.join("f", "inner.yaml")]: "now a folder" });
  });
});
