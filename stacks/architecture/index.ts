/**
 * The architecture diagram of one stack run: DOT from the registry and the run's flow registry
 * (stacks/architecture/graph.ts, dot.ts), laid out as SVG by Graphviz `dot` (Debian's graphviz,
 * scripts/provision.d/56-graphviz.sh). The plan writes both into out/<stack>/; `npm run diagram`
 * writes the dev stack's into docs/.
 */
import { createHash } from "crypto";
import { spawnSync } from "child_process";
import type { PlatformSpec } from "../../config";
import type { NetworkFlows } from "../../components/k8s/network";
import { architectureDot } from "./dot";
import { architectureGraph } from "./graph";

export function stackDiagramDot(stack: string, spec: PlatformSpec, flows: NetworkFlows): string {
  const title = `matrix-platform — stack ${stack}: ${spec.platform}, ${spec.environment}, ${spec.ccu.toLocaleString("en-US")} CCU`;
  return architectureDot(architectureGraph({ title, switches: spec, namespaces: flows.namespaces, flows: flows.flows }));
}

/** The marker the SVG carries of the DOT it was laid out from (the staleness test reads it). */
export function dotDigest(dot: string): string {
  return createHash("sha256").update(dot).digest("hex");
}

export type SvgResult = { svg: string } | { missing: string };

/** Lays the DOT out with `dot -Tsvg`; a missing Graphviz is reported, not thrown. */
export function renderSvg(dot: string, dotBinary = "dot"): SvgResult {
  const r = spawnSync(dotBinary, ["-Tsvg"], { input: dot, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
    return { missing: "Graphviz `dot` is not installed (bash scripts/provision.sh, or apt-get install graphviz)" };
  }
  if (r.status !== 0) throw new Error(`dot -Tsvg failed (exit ${r.status}): ${r.stderr.trim()}`);
  // After the XML declaration: which DOT this picture is, so a stale one can be told.
  return { svg: r.stdout.replace(/(<\?xml[^>]*\?>\n?)/, `$1<!-- architecture.dot sha256 ${dotDigest(dot)} -->\n`) };
}
