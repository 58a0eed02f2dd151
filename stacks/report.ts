import type { Sizing, WorkloadSizing } from "../sizing/types";
import type { RecordedResource } from "./mock-engine";

/** Left-aligned text columns, right-aligned where a column is numeric. */
export function formatTable(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === "number" || /^[\d.,–-]+( ?[a-zA-Z%]+)?$/.test(String(r[i]))));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
  return [line(cells[0]), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

const cores = (millis: number) => (millis / 1000).toFixed(millis % 1000 === 0 ? 0 : 2);
/** Memory with its unit: MiB below 1 GiB, else GiB with one decimal where needed. */
export const memory = (mi: number) => (mi < 1024 ? `${Math.round(mi)}Mi` : `${(mi / 1024).toFixed(mi % 1024 === 0 ? 0 : 1)}Gi`);

function replicasCell(w: WorkloadSizing): string {
  const base = w.minReplicas !== w.maxReplicas ? `${w.replicas} (${w.minReplicas}-${w.maxReplicas})` : String(w.replicas);
  return base;
}

/** Pods a workload runs. */
const podsOf = (w: WorkloadSizing) => w.replicas;

/** One row per workload: replicas (HPA range), per-replica requests and the total requests. */
export function sizingRows(sizing: Sizing): (string | number)[][] {
  const entries: [string, WorkloadSizing][] = [
    ["synapse main", sizing.synapse.main],
    ...Object.entries(sizing.synapse.workers).map(([name, w]): [string, WorkloadSizing] => [`synapse ${name}`, w]),
    ...Object.entries(sizing.components).filter(([, w]) => w.replicas > 0),
  ];
  return entries.map(([name, w]) => [
    name,
    w.tier,
    replicasCell(w),
    cores(w.resources.cpuRequestMillis),
    memory(w.resources.memoryRequestMi),
    cores(w.resources.cpuRequestMillis * podsOf(w)),
    memory(w.resources.memoryRequestMi * podsOf(w)),
  ]);
}

export function sizingTable(sizing: Sizing): string {
  return formatTable(["component", "tier", "replicas", "cpu/pod", "mem/pod", "cpu total", "mem total"], sizingRows(sizing));
}

export function nodePoolTable(sizing: Sizing, platform: string): string {
  return formatTable(
    ["tier", "machine", "vCPU", "GiB", "nodes (min-max)", "cpu used", "mem used"],
    sizing.nodePools.map((p) => [
      p.tier,
      platform === "aws" ? p.machine.aws : platform === "gcp" ? p.machine.gcp : `${p.machine.vcpu} vCPU / ${p.machine.memoryGi} GiB nodes`,
      p.machine.vcpu,
      p.machine.memoryGi,
      `${p.nodeCount} (${p.minCount}-${p.maxCount})`,
      `${Math.round((100 * p.requestedCpuMillis) / (p.nodeCount * p.machine.vcpu * 1000))}%`,
      `${Math.round((100 * p.requestedMemoryMi) / (p.nodeCount * p.machine.memoryGi * 1024))}%`,
    ]),
  );
}

/** Registered resources counted by type, largest first (components included). */
export function resourceCounts(resources: RecordedResource[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const r of resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
