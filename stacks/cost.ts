/**
 * Cost of stacks from the resources they register (stacks/resource-cost.ts):
 *
 *   npm run cost -- --stack <name>          lines, total and per CCU for every sizing model
 *   npm run cost -- --all                   Markdown table of every preset (for a pull-request comment)
 *   npm run cost -- --diff <base.json>      change against a previous `--all --json` or cost.json
 *   npm run cost -- --preview <file.json>   price `pulumi preview --json` output (with --stack for sizing)
 *   --json                                  machine-readable output instead of text
 */
import * as fs from "fs";
import { PROJECT, parseSpec, type PlatformSpec } from "../config";
import { size } from "../sizing";
import { SIZING_MODELS, type SizingModel } from "../config/keys";
import { assertDeployable, deployabilityProblems } from "../sizing/deployable";
import { resourcesFromPreviewJson } from "../policy/resources";
import { runWithMocks, type RecordedResource } from "./mock-engine";
import { allPresetNames } from "./presets";
import { formatTable } from "./report";
import { costOfResources, pricesResources, usageOf, type ResourceCost } from "./resource-cost";
import { loadStackConfig } from "./stack-config";

export interface ModelCost extends ResourceCost {
  model: SizingModel;
  perCcuUsd: number;
}

export interface StackCost {
  stack: string;
  ccu: number;
  /** The model the stack uses first, then the other one (unless the other one is refused). */
  models: ModelCost[];
  /**
   * The other model when the program refuses to deploy the stack under it (a bridge's accounts
   * outgrow one bridge node under seed-analysis's heavier per-account figures): not priced, since
   * nothing of it could be created. Absent when every model is priced.
   */
  refused?: RefusedModel[];
}

export interface RefusedModel {
  model: SizingModel;
  /** What validation says of the stack under this model: each key, its value and what is allowed. */
  reason: string;
}

const MODELS: readonly SizingModel[] = SIZING_MODELS;

/** Prices the resources `spec` registered with the given sizing model. */
export function modelCost(spec: PlatformSpec, model: SizingModel, resources: RecordedResource[]): ModelCost {
  const sizing = size({ ...spec, sizingModel: model });
  const cost = costOfResources(resources, spec.platform, usageOf(sizing));
  return { ...cost, model, perCcuUsd: cost.monthlyUsd / spec.ccu };
}

/** Every sizing model's cost for a stack; `usedResources` are the used model's, when already rendered. */
export async function stackCost(stack: string, usedResources?: RecordedResource[]): Promise<StackCost> {
  const config = loadStackConfig(stack);
  const spec = parseSpec(config, stack);
  const order = [spec.sizingModel, ...MODELS.filter((m) => m !== spec.sizingModel)];
  const models: ModelCost[] = [];
  const refused: RefusedModel[] = [];
  for (const m of order) {
    const s = { ...spec, sizingModel: m };
    const problems = m === spec.sizingModel ? [] : deployabilityProblems(s);
    if (problems.length > 0) refused.push({ model: m, reason: problems.map((p) => `${p.key} = ${p.value}: ${p.allowed}`).join("; ") });
    else if (m === spec.sizingModel && usedResources) models.push(modelCost(spec, m, usedResources));
    else if (!pricesResources(spec.platform)) {
      // Priced from sizing alone: no run of the program needed, only the refusal it would raise.
      assertDeployable(s);
      models.push(modelCost(spec, m, []));
    } else {
      const { program } = await import("../program");
      const run = await runWithMocks({ project: PROJECT, stack, config, program: () => program(s, size(s)) });
      models.push(modelCost(spec, m, run.resources));
    }
  }
  return { stack, ccu: spec.ccu, models, ...(refused.length > 0 ? { refused } : {}) };
}

const usd = (x: number | null) => (x === null ? "unpriced" : `$${Math.round(x).toLocaleString("en-US")}`);
const perCcu = (x: number) => `$${x.toFixed(2)}`;

/** Identical lines (seven KMS keys, three NAT gateways) shown once with their count. */
function groupedLines(m: ModelCost): { item: string; quantity: string; monthlyUsd: number | null; note?: string }[] {
  const groups = new Map<string, { item: string; quantity: string; monthlyUsd: number | null; note?: string; n: number }>();
  for (const l of m.lines) {
    const key = `${l.item}|${l.quantity}|${l.note ?? ""}`;
    const g = groups.get(key);
    if (g) {
      g.n += 1;
      g.monthlyUsd = g.monthlyUsd === null || l.monthlyUsd === null ? null : g.monthlyUsd + l.monthlyUsd;
    } else groups.set(key, { ...l, n: 1 });
  }
  return [...groups.values()].map((g) => ({ ...g, quantity: g.n > 1 ? `${g.n} x ${g.quantity}` : g.quantity }));
}

/** Text for `npm run plan`: each model's lines, total and per CCU. */
export function costText(c: StackCost): string {
  const out: string[] = [];
  for (const [i, m] of c.models.entries()) {
    out.push(`Cost, ${m.model} model${i === 0 ? " (used)" : ""}: ${usd(m.monthlyUsd)}/month, ${perCcu(m.perCcuUsd)} per CCU${m.region ? ` (${m.platform} ${m.region}, on-demand list prices)` : m.platform === "existing" ? " (on-prem: hardware analysis, amortised 36 months)" : ""}`);
    if (i === 0) {
      out.push(formatTable(["item", "quantity", "monthly", "note"], groupedLines(m).map((l) => [l.item, l.quantity, usd(l.monthlyUsd), l.note ?? ""])));
      if (m.unpriced.length) out.push(`Unpriced (not guessed): ${[...new Set(m.unpriced.map((u) => u.item))].join("; ")}`);
    }
  }
  for (const r of c.refused ?? []) out.push(`Cost, ${r.model} model: not priced, the stack cannot be deployed with it (${r.reason})`);
  return out.join("\n");
}

/** Markdown table of several stacks: the used model, then monthly and per-CCU cost under each model. */
export function markdownTable(costs: StackCost[]): string {
  const header = `| stack | CCU | model | ${MODELS.map((m) => `${m} monthly | ${m} per CCU`).join(" | ")} | unpriced items |`;
  const rule = `|---|---:|---|${MODELS.map(() => "---:|---:").join("|")}|---:|`;
  const rows = costs.map((c) => {
    const used = c.models[0];
    const cells = MODELS.map((m) => {
      const mc = c.models.find((x) => x.model === m);
      if (mc) return `${usd(mc.monthlyUsd)} | ${perCcu(mc.perCcuUsd)}`;
      return c.refused?.some((r) => r.model === m) ? "not deployable | —" : "— | —";
    });
    return `| ${c.stack} | ${c.ccu.toLocaleString("en-US")} | ${used.model} | ${cells.join(" | ")} | ${used.unpriced.length} |`;
  });
  return [header, rule, ...rows].join("\n");
}

/** Change of each stack's monthly cost (used model) against a base run. */
export function diffTable(base: StackCost[], head: StackCost[]): string {
  const before = new Map(base.map((c) => [c.stack, c.models[0]?.monthlyUsd ?? 0]));
  const rows = head.map((c) => {
    const now = c.models[0].monthlyUsd;
    const was = before.get(c.stack);
    const delta = was === undefined ? "new" : `${now - was >= 0 ? "+" : "-"}$${Math.abs(Math.round(now - was)).toLocaleString("en-US")}${was ? ` (${(((now - was) / was) * 100).toFixed(1)}%)` : ""}`;
    return `| ${c.stack} | ${was === undefined ? "—" : usd(was)} | ${usd(now)} | ${delta} |`;
  });
  for (const s of before.keys()) if (!head.some((c) => c.stack === s)) rows.push(`| ${s} | ${usd(before.get(s)!)} | — | removed |`);
  return ["| stack | base monthly | monthly | change |", "|---|---:|---:|---:|", ...rows].join("\n");
}

class UsageError extends Error {}

function readCosts(file: string): StackCost[] {
  const doc = JSON.parse(fs.readFileSync(file, "utf8")) as StackCost | StackCost[];
  return Array.isArray(doc) ? doc : [doc];
}

async function main(argv: string[]): Promise<void> {
  let stack: string | undefined;
  let all = false;
  let json = false;
  let diff: string | undefined;
  let preview: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--stack" || a === "-s") stack = argv[++i];
    else if (a === "--all") all = true;
    else if (a === "--json") json = true;
    else if (a === "--diff") diff = argv[++i];
    else if (a === "--preview") preview = argv[++i];
    else throw new UsageError(`unknown argument ${a}; usage: npm run cost -- [--stack <name> | --all] [--json] [--diff <base.json>] [--preview <pulumi-preview.json> --stack <name>]`);
  }
  if (preview) {
    if (!stack) throw new UsageError("--preview needs --stack <name> (the stack whose sizing stores the objects)");
    const spec = parseSpec(loadStackConfig(stack), stack);
    const resources = resourcesFromPreviewJson(JSON.parse(fs.readFileSync(preview, "utf8"))) as RecordedResource[];
    const c: StackCost = { stack, ccu: spec.ccu, models: [modelCost(spec, spec.sizingModel, resources)] };
    console.log(json ? JSON.stringify(c, null, 2) : costText(c));
    return;
  }
  const base = diff ? readCosts(diff) : undefined;
  const stacks = base ? base.map((c) => c.stack) : all ? allPresetNames() : [stack ?? "dev"];
  const costs: StackCost[] = [];
  for (const s of stacks) costs.push(await stackCost(s));
  if (base) console.log(diffTable(base, costs));
  else if (json) console.log(JSON.stringify(all ? costs : costs[0], null, 2));
  else console.log(all ? markdownTable(costs) : costText(costs[0]));
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    if (e instanceof UsageError || (e instanceof Error && (e.name === "ConfigValidationError" || e.message.startsWith("unknown stack")))) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  });
}
