/**
 * The architecture diagram of one stack run: DOT from the registry and the run's flow registry
 * (stacks/architecture/graph.ts, dot.ts), laid out as SVG by Graphviz `dot` (Debian's graphviz,
 * scripts/provision.d/56-graphviz.sh). The plan writes both into out/<stack>/; `npm run diagram`
 * writes the dev stack's into docs/.
 */
import { createHash } from "crypto";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
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

/** Laid-out diagrams of earlier runs, by DOT and Graphviz build (never committed; `npm ci` starts afresh). */
export const SVG_CACHE_DIR = path.join(path.resolve(require.resolve("@pulumi/pulumi/package.json"), "../../.."), ".cache", "matrix-platform-diagrams");

/** The file a command name runs (PATH lookup, as spawn does), or undefined when there is none. */
function executable(command: string): string | undefined {
  const candidates = command.includes("/") ? [command] : (process.env.PATH ?? "").split(path.delimiter).filter(Boolean).map((d) => path.join(d, command));
  for (const c of candidates) {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      if (fs.statSync(c).isFile()) return fs.realpathSync(c);
    } catch {
      // not there: the next one
    }
  }
  return undefined;
}

/**
 * Lays the DOT out with `dot -Tsvg`; a missing Graphviz is reported, not thrown. Layout is a
 * function of the DOT and the Graphviz build, so a layout made before from the same DOT by the
 * same `dot` file (path, size, modification time) is reused instead of laid out again.
 */
export function renderSvg(dot: string, dotBinary = "dot", cacheDir = SVG_CACHE_DIR): SvgResult {
  const binary = executable(dotBinary);
  const stat = binary ? fs.statSync(binary) : undefined;
  const cached = binary && stat && path.join(cacheDir, `${createHash("sha256").update(`${binary}\0${stat.size}\0${stat.mtimeMs}\0${dot}`).digest("hex")}.svg`);
  if (cached) {
    try {
      return { svg: fs.readFileSync(cached, "utf8") };
    } catch {
      // not laid out yet
    }
  }
  const r = spawnSync(dotBinary, ["-Tsvg"], { input: dot, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
    return { missing: "Graphviz `dot` is not installed (bash scripts/provision.sh, or apt-get install graphviz)" };
  }
  if (r.status !== 0) throw new Error(`dot -Tsvg failed (exit ${r.status}): ${r.stderr.trim()}`);
  // After the XML declaration: which DOT this picture is, so a stale one can be told.
  const svg = r.stdout.replace(/(<\?xml[^>]*\?>\n?)/, `$1<!-- architecture.dot sha256 ${dotDigest(dot)} -->\n`);
  if (cached) writeWhole(cached, svg);
  return { svg };
}

/** Written under a temporary name and renamed, so a reader never sees half a file; a failure only loses the reuse. */
function writeWhole(file: string, content: string): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, file);
  } catch {
    // read-only tree
  }
}
