/**
 * The README's diagram (docs/architecture-dev.{dot,svg}) is the dev stack's as the program
 * generates it now, and the generated DOT is accepted by the real Graphviz.
 * Stale? `npm run diagram` rewrites both.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEV_DIAGRAM, diagramDot } from "../../stacks/diagram";
import { dotDigest, renderSvg } from "../../stacks/architecture";

describe("architecture diagram (npm run diagram)", function () {
  let dot: string;
  before(async () => {
    dot = await diagramDot("dev");
  });

  it("docs/architecture-dev.dot is the dev stack's current graph", () => {
    assert.equal(fs.readFileSync(DEV_DIAGRAM.dot, "utf8"), dot, "docs/architecture-dev.dot is stale: run `npm run diagram` and commit both files");
  });

  it("docs/architecture-dev.svg was laid out from that DOT", () => {
    const svg = fs.readFileSync(DEV_DIAGRAM.svg, "utf8");
    const marker = /<!-- architecture\.dot sha256 ([0-9a-f]{64}) -->/.exec(svg);
    assert.ok(marker, "the SVG carries no DOT digest: regenerate it with `npm run diagram`");
    assert.equal(marker[1], dotDigest(dot), "docs/architecture-dev.svg is stale: run `npm run diagram` and commit both files");
    assert.match(svg, /<svg /);
  });

  it("Graphviz lays the DOT out: a cluster per namespace and a node per workload", () => {
    const r = renderSvg(dot);
    assert.ok("svg" in r, "missing" in r ? r.missing : "");
    const clusters = (dot.match(/subgraph "cluster_/g) ?? []).length;
    assert.ok(clusters >= 5, `only ${clusters} clusters`);
    assert.equal((r.svg.match(/<g id="clust\d+" class="cluster">/g) ?? []).length, clusters);
    for (const label of ["synapse", "haproxy", "postgres", "namespace matrix"]) assert.ok(r.svg.includes(`>${label}</text>`), `${label} not drawn`);
  });

  it("says in one sentence when Graphviz is missing, and how to install it", () => {
    const r = renderSvg("digraph a {}", "/nonexistent/dot");
    assert.deepEqual(r, { missing: "Graphviz `dot` is not installed (bash scripts/provision.sh, or apt-get install graphviz)" });
  });

  it("refuses DOT that Graphviz rejects, with its message", () => {
    assert.throws(() => renderSvg("digraph { a -> }"), /dot -Tsvg failed/);
  });
});

describe("architecture diagram: a layout is reused for the same DOT and Graphviz", () => {
  let dir: string;
  let fakeDot: string;
  let calls: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "svg-cache-"));
    fakeDot = path.join(dir, "dot");
    calls = path.join(dir, "calls");
    // Stands in for Graphviz: counts its runs and draws the DOT's length.
    fs.writeFileSync(fakeDot, `#!/bin/sh\necho run >> "${calls}"\nn=$(wc -c)\nprintf '<?xml version="1.0"?>\\n<svg data-n="%s"/>\\n' "$n"\n`, { mode: 0o755 });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const runs = () => (fs.existsSync(calls) ? fs.readFileSync(calls, "utf8").split("\n").filter(Boolean).length : 0);

  it("lays out a DOT once, answers again from the cache, and lays out a changed DOT anew", () => {
    const cache = path.join(dir, "cache");
    const first = renderSvg("digraph a {}", fakeDot, cache);
    assert.ok("svg" in first);
    assert.match(first.svg, /^<\?xml version="1.0"\?>\n<!-- architecture\.dot sha256 [0-9a-f]{64} -->\n<svg data-n="\s*12"\/>/);
    assert.deepEqual(renderSvg("digraph a {}", fakeDot, cache), first);
    assert.equal(runs(), 1);
    const other = renderSvg("digraph ab {}", fakeDot, cache);
    assert.ok("svg" in other && /data-n="\s*13"/.test(other.svg));
    assert.equal(runs(), 2);
  });

  it("another Graphviz build (the dot file changed) lays out again", () => {
    const cache = path.join(dir, "cache");
    renderSvg("digraph a {}", fakeDot, cache);
    fs.appendFileSync(fakeDot, "# rebuilt\n");
    renderSvg("digraph a {}", fakeDot, cache);
    assert.equal(runs(), 2);
  });

  it("a failed layout is not kept", () => {
    const cache = path.join(dir, "cache");
    fs.writeFileSync(fakeDot, `#!/bin/sh\necho run >> "${calls}"\necho bad >&2\nexit 1\n`, { mode: 0o755 });
    assert.throws(() => renderSvg("digraph a {}", fakeDot, cache), /dot -Tsvg failed \(exit 1\): bad/);
    assert.throws(() => renderSvg("digraph a {}", fakeDot, cache), /dot -Tsvg failed/);
    assert.equal(runs(), 2);
  });
});
