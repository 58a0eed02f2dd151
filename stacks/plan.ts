/**
 * `npm run plan -- --stack <name>`: the main job. Runs the whole program for a stack under
 * Pulumi's mock engine (no cloud account, no Pulumi CLI), prints what it would deploy and
 * writes out/<stack>/{resources.json, manifests/, sizing.json}.
 */
// First: the SDK loads below must find the deferred dependencies in place (stacks/lazy-sdk-deps.ts).
import "./lazy-sdk-deps";
import * as fs from "fs";
import * as path from "path";
import { ConfigValidationError, PROJECT, configWarnings, parseSpec, type PlatformSpec } from "../config";
import { size } from "../sizing";
import { cloudSqlTier } from "../sizing/data-service-sizing";
import { assertDeployable } from "../sizing/deployable";
import { assertLocalCharts } from "./local-charts";
import { bridgeCarryLines } from "../sizing/bridges";
import { measuredModelWarnings } from "../sizing/measured-model";
import { SIZING_MODELS } from "../config/keys";
import { estimateCost } from "../sizing/cost";
import type { Sizing } from "../sizing/types";
import { redactSecrets, runWithMocks, type RecordedResource } from "./mock-engine";
import { manifestYaml, manifestsFrom } from "./manifests";
import { costText, stackCost } from "./cost";
import { formatTable, nodePoolTable, resourceCounts, sizingTable } from "./report";
import { PROJECT_ROOT, loadStack } from "./stack-config";
import { StackFileError } from "./stack-file";
import { writeDirAtomically } from "./atomic-dir";
import { renderSvg, stackDiagramDot } from "./architecture";
import type { ProgramObserver } from "../program";

interface PlanArgs {
  stack: string;
  outDir: string;
}

/**
 * A stack name the plan can turn into a file name and an output folder: Pulumi's stack-name
 * characters, no path separators, not `.` or `..` (a stack name must never point the plan
 * outside its output directory or at another project's stack file).
 */
const STACK_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;
const USAGE = "usage: npm run plan -- [--stack <name>] [--out <dir>]";

export function parseArgs(argv: string[]): PlanArgs {
  const args: PlanArgs = { stack: "dev", outDir: path.join(PROJECT_ROOT, "out") };
  const valueOf = (option: string, i: number): string => {
    const v = argv[i];
    if (v === undefined || v === "" || v.startsWith("-")) throw new UsageError(`${option} needs a value; ${USAGE}`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--stack" || a === "-s") args.stack = valueOf(a, ++i);
    else if (a.startsWith("--stack=")) args.stack = a.slice("--stack=".length);
    else if (a === "--out") args.outDir = path.resolve(valueOf(a, ++i));
    else if (a.startsWith("--out=")) {
      if (a === "--out=") throw new UsageError(`--out needs a value; ${USAGE}`);
      args.outDir = path.resolve(a.slice("--out=".length));
    } else throw new UsageError(`unknown argument ${JSON.stringify(a)}; ${USAGE}`);
  }
  if (!args.stack) throw new UsageError(`--stack needs a stack name; ${USAGE}`);
  if (!STACK_NAME.test(args.stack) || args.stack.includes("..")) {
    throw new UsageError(`--stack ${JSON.stringify(args.stack)} is not a stack name: letters, digits, '_', '.' and '-' only, no path separators or '..' (a Pulumi.<stack>.yaml in this directory or a preset such as prod-aws-5k)`);
  }
  return args;
}

class UsageError extends Error {}

function costLine(spec: PlatformSpec, sizing: Sizing): string {
  const cost = estimateCost(spec, sizing);
  return cost.currency === "USD" ? `$${Math.round(cost.total).toLocaleString("en-US")}/month` : cost.summary;
}

/**
 * The database the plan deploys, as deployed: Cloud SQL custom tiers cap memory per vCPU, so on
 * GCP the summary shows the tier's memory, not the class it was sized from.
 */
export function databaseSummary(spec: Pick<PlatformSpec, "platform">, sizing: Pick<Sizing, "database">): string {
  const d = sizing.database;
  const memoryGi = spec.platform === "gcp" ? cloudSqlTier(d.vcpu, d.memoryGi).memoryGi : d.memoryGi;
  const shape = spec.platform === "aws" ? d.awsInstanceClass : spec.platform === "gcp" ? d.gcpTier : "CloudNativePG";
  return `PostgreSQL ${d.instances} x ${d.vcpu} vCPU / ${memoryGi} GiB (${shape})`;
}

/** Writes the plan's files and returns the text summary. */
export async function plan(stack: string, outDir: string): Promise<string> {
  const { config, secretKeys } = loadStack(stack);
  // Validate before the program runs, so bad config never reaches resource registration.
  const spec = parseSpec(config, stack, { secretKeys });
  assertDeployable(spec);
  assertLocalCharts(spec);
  // The measured model's own caveats (extrapolation, saturated single writers) when it is used.
  const warnings = [...configWarnings(spec), ...(spec.sizingModel === "measured" ? measuredModelWarnings(spec) : [])];
  const sizing = size(spec);
  const { program } = await import("../program");
  const seen: ProgramObserver = {};
  const run = await runWithMocks({ project: PROJECT, stack, config, program: () => program(spec, sizing, seen) });
  const resources: RecordedResource[] = run.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");

  const manifests = manifestsFrom(resources);
  // The architecture diagram, from the registry and the flows this run declared.
  const dot = stackDiagramDot(stack, spec, seen.flows!);
  const svg = renderSvg(dot);
  // Cost from the registered resources, for both sizing models (the other model is rendered once more).
  const cost = await stackCost(stack, run.resources);
  // Everything is written into a fresh folder next to the target and renamed into place when
  // complete: a failed plan leaves nothing behind, two plans of one stack never mix their files.
  const dir = path.join(outDir, stack);
  writeDirAtomically(dir, (tmp) => {
    const inside = (rel: string) => {
      const file = path.resolve(tmp, rel);
      if (!file.startsWith(tmp + path.sep)) throw new Error(`refusing to write ${rel} outside the plan's output directory`);
      return file;
    };
    fs.mkdirSync(path.join(tmp, "manifests"), { recursive: true });
    fs.writeFileSync(
      inside("resources.json"),
      JSON.stringify(resources.map((r) => ({ type: r.type, name: r.name, parent: r.parent ?? null, inputs: redactSecrets(r.inputs) })), null, 2),
    );
    for (const m of manifests) {
      const file = inside(path.join("manifests", m.path));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, manifestYaml(m.object));
    }
    fs.writeFileSync(inside("sizing.json"), JSON.stringify(sizing, null, 2));
    fs.writeFileSync(inside("cost.json"), JSON.stringify(cost, null, 2));
    fs.writeFileSync(inside("architecture.dot"), dot);
    if ("svg" in svg) fs.writeFileSync(inside("architecture.svg"), svg.svg);
  });

  // Every model, the used one first: the same spec sized three ways.
  const order = [spec.sizingModel, ...SIZING_MODELS.filter((m) => m !== spec.sizingModel)];
  const models = formatTable(
    ["model", "cpu cores", "memory GiB", "storage GiB", "nodes", "monthly"],
    order.map((m, i) => {
      const s = i === 0 ? sizing : size({ ...spec, sizingModel: m });
      return [`${m}${i === 0 ? " (used)" : ""}`, Math.round(s.totals.cpuCores), Math.round(s.totals.memoryGi), Math.round(s.totals.storageGi), s.nodePools.reduce((n, p) => n + p.nodeCount, 0), costLine(spec, s)];
    }),
  );

  const counts = resourceCounts(resources);
  return [
    `matrix-platform plan — stack ${stack}`,
    "",
    `platform     ${spec.platform}${spec.cloud.region ? ` (${spec.cloud.region}, copies in ${spec.cloud.secondaryRegion})` : ""}`,
    `environment  ${spec.environment}${spec.highAvailability ? " (high availability)" : ""}`,
    `size         ${spec.ccu.toLocaleString("en-US")} CCU, profile ${sizing.profileLabel}, model ${spec.sizingModel}`,
    `server name  ${spec.serverName} (client API https://${spec.hosts.matrix}, Element https://${spec.hosts.element})`,
    `bridges      telegram ${spec.bridges.telegram.enabled ? spec.bridges.telegram.accounts : "off"}, whatsapp ${spec.bridges.whatsapp.enabled ? spec.bridges.whatsapp.accounts : "off"}`,
    `features     ${Object.entries(spec.features).map(([k, v]) => `${k} ${v ? "on" : "off"}`).join(", ")}`,
    // A bridge is one process (it cannot run active-active): what that process carries.
    ...bridgeCarryLines(spec).map((l) => `             ${l}`),
    ...warnings.map((w) => `warning      ${w}`),
    "",
    "Sizing (requests)",
    sizingTable(sizing),
    "",
    `Totals: ${sizing.totals.cpuCores.toFixed(1)} cores, ${sizing.totals.memoryGi.toFixed(0)} GiB memory, ${sizing.totals.storageGi.toFixed(0)} GiB storage; ` +
      `${databaseSummary(spec, sizing)}, ` +
      `Redis ${sizing.redis.replicas} x ${sizing.redis.memoryGi} GiB, object store ${sizing.objectStore.capacityGi} GiB`,
    "",
    "Node pools",
    nodePoolTable(sizing, spec.platform),
    "",
    "Sizing models side by side",
    models,
    "",
    costText(cost),
    "",
    `Resources (${resources.length} registered, ${manifests.length} Kubernetes objects)`,
    formatTable(["type", "count"], counts),
    "",
    `Wrote ${path.relative(process.cwd(), dir) || dir}/resources.json, manifests/ (${manifests.length} files), sizing.json, cost.json, architecture.dot${"svg" in svg ? ", architecture.svg" : ""}`,
    ...("missing" in svg ? [`architecture.svg not written: ${svg.missing}`] : []),
  ].join("\n");
}

async function main(): Promise<void> {
  try {
    const args = parseArgs(process.argv.slice(2));
    console.log(await plan(args.stack, args.outDir));
  } catch (e) {
    // Configuration and usage mistakes are the user's to fix: say what is wrong, no stack trace.
    if (e instanceof ConfigValidationError || e instanceof UsageError || e instanceof StackFileError || (e instanceof Error && e.message.startsWith("unknown stack"))) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
}

if (require.main === module) void main();
