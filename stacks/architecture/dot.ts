/**
 * The architecture graph as Graphviz DOT (pure). `dot -Tsvg` lays it out (stacks/diagram.ts);
 * everything here is sorted, so the same stack always gives the same text.
 */
import type { ArchitectureGraph, ArchNode } from "./graph";

/** A DOT double-quoted string. */
function q(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

const NODE_STYLE: Record<ArchNode["kind"], string> = {
  workload: `shape=box, style="rounded,filled", fillcolor="#e8f0fe", color="#3b6fd4"`,
  data: `shape=cylinder, style=filled, fillcolor="#fff4d6", color="#b7860b"`,
  external: `shape=note, style=filled, fillcolor="#f1f1f1", color="#777777"`,
};

function nodeLine(n: ArchNode): string {
  return `${q(n.id)} [label=${q(n.label)}, ${NODE_STYLE[n.kind]}];`;
}

export function architectureDot(g: ArchitectureGraph): string {
  const out: string[] = [
    "digraph architecture {",
    `  graph [label=${q(g.title)}, labelloc=t, fontsize=16, fontname="Helvetica", rankdir=LR, nodesep=0.25, ranksep=0.9, newrank=true];`,
    `  node [fontname="Helvetica", fontsize=10];`,
    `  edge [fontname="Helvetica", fontsize=8, color="#4a4a4a", arrowsize=0.6];`,
  ];
  g.clusters.forEach((c) => {
    const systems = c.systems.map((s) => s.name).join(", ");
    out.push(`  subgraph ${q(`cluster_${c.namespace}`)} {`);
    out.push(`    label=${q(systems ? `namespace ${c.namespace}\n(${systems})` : `namespace ${c.namespace}`)}; style="rounded,dashed"; color="#8a8a8a"; fontsize=11;`);
    for (const n of g.nodes.filter((x) => x.namespace === c.namespace)) out.push(`    ${nodeLine(n)}`);
    out.push("  }");
  });
  for (const n of g.nodes.filter((x) => x.namespace === undefined)) out.push(`  ${nodeLine(n)}`);
  for (const e of g.edges) {
    const style = e.kind === "scrape" ? `, style=dashed, color="#9a9a9a", fontcolor="#9a9a9a"` : "";
    out.push(`  ${q(e.from)} -> ${q(e.to)} [label=${q(e.ports)}${style}];`);
  }
  out.push("}");
  return `${out.join("\n")}\n`;
}
