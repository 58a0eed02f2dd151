/**
 * DESIGN.md's layer table as data: a rank per layer (a module may import its own layer and
 * layers of lower rank), plus the rule inside the component layer that in-cluster systems and
 * the building blocks never import a sibling folder's implementation — they meet in
 * components/contracts.ts.
 */
import * as path from "path";

export interface ImportEdge {
  /** Importing module, relative to the project root (with .ts). */
  from: string;
  /** Imported module, relative to the project root (no extension; a folder means its index). */
  to: string;
}

/** In-cluster systems: one folder each, each an entry of the component registry. */
export const SYSTEM_FOLDERS = ["matrix", "rtc", "push", "bridges", "li", "antivirus", "monitoring"];
export const COMPONENT_FOLDERS = ["k8s", "data", "platform", ...SYSTEM_FOLDERS];

/** Layer name and rank of a module path (relative to the project root). */
export function layerOf(file: string): { layer: string; rank: number } | undefined {
  const p = path.normalize(file).replace(/\.ts$/, "");
  const [top, second] = p.split(path.sep);
  switch (top) {
    case "config":
      return { layer: "config", rank: 0 };
    case "catalog":
      return { layer: "catalog", rank: 1 };
    case "sizing":
      return { layer: "sizing", rank: 2 };
    case "render":
      return { layer: "render", rank: 3 };
    case "components":
      if (second === "contracts") return { layer: "components/contracts", rank: 4 };
      if (second === "k8s") return { layer: "components/k8s", rank: 5 };
      if (second === "data") return { layer: "components/data", rank: 6 };
      if (second === "platform") return { layer: "components/platform", rank: 7 };
      if (SYSTEM_FOLDERS.includes(second)) return { layer: `components/${second}`, rank: 8 };
      return undefined;
    case "program":
      return { layer: "program", rank: 9 };
    case "index":
      return { layer: "index", rank: 10 };
    case "policy":
    case "stacks":
      return { layer: top, rank: 10 };
    default:
      return undefined;
  }
}

/**
 * Imports that break the order: into a higher rank, or between two component folders of the
 * same rank (two systems), which must share through contracts instead. data/ may not import
 * platform/ (platform composes data services, not the reverse), k8s/ neither.
 */
export function importViolations(edges: ImportEdge[]): string[] {
  const out: string[] = [];
  for (const e of edges) {
    const from = layerOf(e.from);
    const to = layerOf(e.to);
    if (!from || !to) continue;
    if (to.rank > from.rank) out.push(`${e.from} -> ${e.to} (${from.layer} may not import ${to.layer})`);
    else if (to.rank === from.rank && from.layer !== to.layer && from.layer.startsWith("components/")) {
      out.push(`${e.from} -> ${e.to} (sibling component folders share only through components/contracts.ts)`);
    }
  }
  return out;
}
