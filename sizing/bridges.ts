/**
 * Bridge sizing. A mautrix bridge is one process per appservice registration and network: it
 * holds every logged-in account's live connection (MTProto sessions, WhatsApp multi-device
 * sockets) and the registration's transaction stream. Two replicas on one registration would
 * both connect the same accounts (Telegram and WhatsApp drop or ban duplicate sessions) and split
 * Synapse's transactions between them, so it cannot run active-active. It scales vertically: one
 * pod, sized by accounts, on one bridge-tier node. Accounts beyond what one such node holds are a
 * configuration error (bridgeCapacityProblems), not silent sharding: a second bridge needs its own
 * registration, namespaces and bot, which users would have to pick between.
 */
import type { ConfigProblem } from "../config/parse";
import type { PlatformSpec } from "../config/spec";
import { FAMILIES, machineType, podCapacity } from "./machines";
import { telegramEstimate, whatsappEstimate, type ComponentEstimate } from "./seed-analysis";
import type { MachineType, ResourceShape } from "./types";

export type BridgeNetwork = "telegram" | "whatsapp";

/** Total demand of one bridge process, before its fixed base. */
export interface BridgeDemand {
  cpuRequestMillis: number;
  cpuLimitMillis: number;
  memoryRequestMi: number;
  memoryLimitMi: number;
}

/**
 * Per-account coefficients of the `profile` model: the hardware analysis's sustained figures for
 * each bridge (its "idle" / lower-bound rows), not its peak planning envelope (that is the
 * `seed-analysis` model): Telegram 0.002 cores idle and 20 MB session per account; WhatsApp
 * 0.005 cores per connection and 40 MB session per account. The bridges are Go (bridgev2) now,
 * lighter than the Python bridges the document measured, so its lower bounds are the honest
 * steady state. Plus a fixed base for the process itself.
 */
export const PROFILE_BRIDGE_COEFFICIENTS = {
  telegram: { cpuMillisPerAccount: 2, memoryMbPerAccount: 20 },
  whatsapp: { cpuMillisPerAccount: 5, memoryMbPerAccount: 40 },
} as const;
const BASE_CPU_MILLIS = 100;
const BASE_MEMORY_MI = 256;

/** MB (10^6 bytes, as the document counts) to MiB. */
export const MB_TO_MI = 1e6 / 2 ** 20;
const GB_TO_MI = 1e9 / 2 ** 20;

export function profileBridgeDemand(network: BridgeNetwork, accounts: number): BridgeDemand {
  const k = PROFILE_BRIDGE_COEFFICIENTS[network];
  const cpu = k.cpuMillisPerAccount * accounts;
  const mem = k.memoryMbPerAccount * accounts * MB_TO_MI;
  // Limits: 2x CPU and 1.5x memory, the same headroom as every other workload (resources.ts).
  return { cpuRequestMillis: cpu, cpuLimitMillis: 2 * cpu, memoryRequestMi: mem, memoryLimitMi: 1.5 * mem };
}

/**
 * A bridge from the document's estimate: base CPU and normal memory requested, peak CPU and peak
 * memory as limits (WhatsApp's history-sync buffer is a peak; Telegram's figures are one number,
 * so its memory limit takes the usual 1.25x above it).
 */
export function seedBridgeDemand(e: ComponentEstimate): BridgeDemand {
  return {
    cpuRequestMillis: e.cpuBaseCores * 1000,
    cpuLimitMillis: e.cpuPeakCores * 1000,
    memoryRequestMi: e.memoryNormalGb * GB_TO_MI,
    memoryLimitMi: Math.max(e.memoryPeakGb * GB_TO_MI, 1.25 * e.memoryNormalGb * GB_TO_MI),
  };
}

/**
 * The demand of one bridge at an account count, under the stack's sizing model. The measured model
 * keeps the profile's bridges (the capacity benchmark runs no bridge: sizing/measured-model.ts).
 */
export function bridgeDemand(network: BridgeNetwork, accounts: number, model: PlatformSpec["sizingModel"]): BridgeDemand {
  if (model !== "seed-analysis") return profileBridgeDemand(network, accounts);
  return seedBridgeDemand(network === "telegram" ? telegramEstimate(accounts) : whatsappEstimate(accounts));
}

/**
 * The one process's requests and limits as sized: its demand (bridgeProcessDemand), capped at what
 * one bridge node carries. A demand above that is refused by validation (bridgeCapacityProblems)
 * before anything deploys; the cap only keeps every spec sizeable (sizing sizes any spec, and the
 * plan can show both models side by side).
 */
export function bridgeProcess(demand: BridgeDemand, node = largestBridgeNode()): ResourceShape {
  const want = bridgeProcessDemand(demand);
  const cap = podCapacity(node);
  const cpu = Math.min(want.cpuRequestMillis, cap.cpuMillis);
  const mem = Math.min(want.memoryRequestMi, cap.memoryMi);
  return {
    cpuRequestMillis: cpu,
    cpuLimitMillis: Math.max(cpu, Math.min(want.cpuLimitMillis, node.vcpu * 1000)),
    memoryRequestMi: mem,
    memoryLimitMi: Math.max(mem, Math.min(want.memoryLimitMi, node.memoryGi * 1024)),
  };
}

/** The one process's requests and limits: the demand plus the process's own base (uncapped). */
export function bridgeProcessDemand(demand: BridgeDemand): ResourceShape {
  const cpuReq = Math.ceil(demand.cpuRequestMillis) + BASE_CPU_MILLIS;
  const memReq = Math.ceil(demand.memoryRequestMi) + BASE_MEMORY_MI;
  return {
    cpuRequestMillis: cpuReq,
    cpuLimitMillis: Math.max(cpuReq, Math.ceil(demand.cpuLimitMillis) + 2 * BASE_CPU_MILLIS),
    memoryRequestMi: memReq,
    memoryLimitMi: Math.max(memReq, Math.ceil(demand.memoryLimitMi) + Math.round(1.5 * BASE_MEMORY_MI)),
  };
}

/** The largest bridge-tier machine (r7a.16xlarge / n2d-highmem-64): the most one process can get. */
export function largestBridgeNode(): MachineType {
  const sizes = FAMILIES.bridge.sizes;
  return machineType(FAMILIES.bridge, sizes[sizes.length - 1]);
}

/** Whether one process's requests fit one node of the largest bridge machine under the targets. */
export function fitsOneBridgeNode(process: ResourceShape, node = largestBridgeNode()): boolean {
  const cap = podCapacity(node);
  return process.cpuRequestMillis <= cap.cpuMillis && process.memoryRequestMi <= cap.memoryMi;
}

/** The most accounts one process can carry on one bridge node (demand grows with accounts). */
export function maxAccountsPerProcess(network: BridgeNetwork, model: PlatformSpec["sizingModel"], node = largestBridgeNode()): number {
  const fits = (n: number) => fitsOneBridgeNode(bridgeProcessDemand(bridgeDemand(network, n, model)), node);
  if (!fits(0)) return 0;
  let lo = 0;
  let hi = 1;
  while (fits(hi)) hi *= 2;
  // fits(lo) and !fits(hi): bisect.
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

const CONFIG_KEY = { telegram: "matrix-platform:telegramAccounts", whatsapp: "matrix-platform:whatsappAccounts" } as const;

/**
 * A deployed bridge whose accounts one process on one bridge node cannot hold: named with the key,
 * the count, and the most that fits under the sizing model in use.
 */
export function bridgeCapacityProblems(spec: Pick<PlatformSpec, "bridges" | "sizingModel">): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const node = largestBridgeNode();
  const cap = podCapacity(node);
  for (const network of ["telegram", "whatsapp"] as const) {
    const bridge = spec.bridges[network];
    if (!bridge.enabled) continue;
    const process = bridgeProcessDemand(bridgeDemand(network, bridge.accounts, spec.sizingModel));
    if (fitsOneBridgeNode(process, node)) continue;
    const max = maxAccountsPerProcess(network, spec.sizingModel, node);
    problems.push({
      key: CONFIG_KEY[network],
      value: String(bridge.accounts),
      allowed:
        `at most ${max} with sizingModel ${spec.sizingModel}: mautrix-${network} is one process per registration (it cannot run active-active), ` +
        `and ${bridge.accounts} accounts need ${(process.cpuRequestMillis / 1000).toFixed(1)} cores and ${(process.memoryRequestMi / 1024).toFixed(0)} GiB, ` +
        `more than one ${node.aws} / ${node.gcp} bridge node holds under the 70 % CPU / 80 % memory targets ` +
        `(${(cap.cpuMillis / 1000).toFixed(1)} cores, ${(cap.memoryMi / 1024).toFixed(0)} GiB)`,
    });
  }
  return problems;
}

/** One line per deployed bridge for the plan: what its one process carries. */
export function bridgeCarryLines(spec: Pick<PlatformSpec, "bridges" | "sizingModel">): string[] {
  const node = largestBridgeNode();
  const cap = podCapacity(node);
  return (["telegram", "whatsapp"] as const).filter((n) => spec.bridges[n].enabled).map((network) => {
    const accounts = spec.bridges[network].accounts;
    const p = bridgeProcess(bridgeDemand(network, accounts, spec.sizingModel));
    const share = Math.max(p.cpuRequestMillis / cap.cpuMillis, p.memoryRequestMi / cap.memoryMi);
    return `mautrix-${network}: one process carries ${accounts} accounts with ${(p.cpuRequestMillis / 1000).toFixed(1)} cores / ${(p.memoryRequestMi / 1024).toFixed(1)} GiB requested ` +
      `(${Math.round(share * 100)} % of one ${node.aws} node under the targets; at most ${maxAccountsPerProcess(network, spec.sizingModel, node)} accounts fit)`;
  });
}
