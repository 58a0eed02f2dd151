/**
 * The `seed-analysis` model mapped onto a `Sizing`: the hardware analysis's per-user formulas
 * (seed-analysis.ts) for Synapse (standing in for the document's Dendrite), the bridges and
 * PostgreSQL. Replica counts and everything the document does not size per user (edge, RTC, LI,
 * antivirus, monitoring, Redis) stay those of the profile model at the same CCU.
 *
 * Synapse: the document's base CPU (users x 0.02 cores) becomes the requests and its peak with
 * encryption (users x 0.1 x 1.2) the limits; its memory (state + cache + overhead) the memory
 * requests. They are spread over main and the workers by the same weights as the profile model.
 * The unit per weight is the total divided by the weighted replica count *before rounding*
 * (a smooth function of CCU), so per-replica sizes grow smoothly with users instead of dropping
 * whenever a rounded replica count steps up.
 */
import { WORKER_TYPES } from "../catalog/workers";
import type { PlatformSpec } from "../config/spec";
import { CCU_PROFILES, HA_MINIMUMS } from "../catalog/profiles";
import { bridgeProcess, seedBridgeDemand } from "./bridges";
import { interpolate } from "./interpolate";
import type { ModelOutput } from "./model";
import { profileModel, profileWorkloads, connectionDemand } from "./profile-model";
import { hpaBounds, workerCountAt } from "./replicas";
import { MAIN_WEIGHT, WORKER_WEIGHTS, shape } from "./resources";
import { seedAnalysis, type ComponentEstimate } from "./seed-analysis";
import { componentTier } from "./tiers";
import { workload } from "./workload";
import type { WorkloadSizing } from "./types";

/** GB (decimal, the document's unit) to GiB and MiB. */
export const GB_TO_GI = 1e9 / 2 ** 30;
export const GB_TO_MI = 1e9 / 2 ** 20;

/** The document's HA setup: "1 Primary + 2 Standby". */
export const SEED_POSTGRES_INSTANCES = 3;

/** Weighted Synapse process count at `ccu`, from the un-rounded profile series. */
function smoothWeightedProcesses(ccu: number, pick: (w: { cpu: number; mem: number }) => number): number {
  let sum = pick(MAIN_WEIGHT);
  for (const w of WORKER_TYPES) {
    const series = CCU_PROFILES.map((p) => workerCountAt(w, p));
    sum += pick(WORKER_WEIGHTS[w.name]) * (w.scaling === "singleton" ? 1 : interpolate(ccu, series));
  }
  return sum;
}

/** Per-replica Synapse resources from the document's Matrix estimate. */
function synapseShape(weight: { cpu: number; mem: number }, ccu: number, m: ComponentEstimate) {
  const cpuUnit = (m.cpuBaseCores * 1000) / smoothWeightedProcesses(ccu, (w) => w.cpu);
  const memUnit = (m.memoryNormalGb * GB_TO_MI) / smoothWeightedProcesses(ccu, (w) => w.mem);
  // Limits: the peak-with-encryption to base ratio (6x at the document's coefficients).
  return shape(weight.cpu * cpuUnit, weight.mem * memUnit, m.cpuPeakCores / m.cpuBaseCores, 1.5);
}

/** A bridge from the document's estimate (bridges.ts seedBridgeDemand): one process, 0 replicas when off. */
export function seedBridgeWorkload(spec: PlatformSpec, network: "telegram" | "whatsapp", e: ComponentEstimate): WorkloadSizing {
  if (!spec.bridges[network].enabled) return workload(hpaBounds(0, false), shape(0, 0), componentTier(network));
  return workload(hpaBounds(1, false), bridgeProcess(seedBridgeDemand(e)), componentTier(network));
}

export function seedModel(spec: PlatformSpec): ModelOutput {
  const users = spec.ccu;
  const tg = spec.bridges.telegram.enabled ? spec.bridges.telegram.accounts : 0;
  const wa = spec.bridges.whatsapp.enabled ? spec.bridges.whatsapp.accounts : 0;
  const seed = seedAnalysis(users, tg, wa);
  const base = profileWorkloads(spec);
  const profile = profileModel(spec);

  const main = { ...base.main, resources: synapseShape(MAIN_WEIGHT, users, seed.matrix) };
  const workers = Object.fromEntries(
    Object.entries(base.workers).map(([name, w]) => [name, { ...w, resources: synapseShape(WORKER_WEIGHTS[name], users, seed.matrix) }]),
  );
  const components = {
    ...base.components,
    telegram: seedBridgeWorkload(spec, "telegram", seed.telegram),
    whatsapp: seedBridgeWorkload(spec, "whatsapp", seed.whatsapp),
  };

  // PostgreSQL: section 4's server scaled to this deployment, with at least the storage the
  // per-user formulas put in the databases (Matrix + bridge session and history data).
  const dbStorageGi = Math.max(seed.postgres.storageGb, seed.matrix.databaseGb + seed.telegram.databaseGb + seed.whatsapp.databaseGb) * GB_TO_GI;
  const instances = Math.max(SEED_POSTGRES_INSTANCES, spec.highAvailability ? HA_MINIMUMS.postgresqlInstances : 0);
  const workloads = { main, workers, components };
  const mediaGi = (seed.matrix.mediaGb * 2 + seed.telegram.mediaGb + seed.whatsapp.mediaGb) * GB_TO_GI;

  return {
    ...workloads,
    database: {
      instances,
      vcpu: seed.postgres.cpuCores,
      memoryGi: seed.postgres.ramGb * GB_TO_GI,
      storageGi: dbStorageGi,
      maxConnections: Math.max(seed.postgres.maxConnections, connectionDemand(workloads)),
      multiAz: profile.database.multiAz,
    },
    liDatabase: {
      ...profile.liDatabase,
      vcpu: Math.max(profile.liDatabase.vcpu, seed.postgres.cpuCores / 4),
      memoryGi: Math.max(profile.liDatabase.memoryGi, (seed.postgres.ramGb * GB_TO_GI) / 4),
      // The LI copy is of Synapse's database only (bridges are not intercepted through it).
      storageGi: Math.max(profile.liDatabase.storageGi, seed.matrix.databaseGb * GB_TO_GI),
    },
    redis: profile.redis,
    // Matrix media and its LI copy, bridge media, and database backups (twice the database).
    objectStore: { nodes: profile.objectStore.nodes, capacityGi: mediaGi + 2 * dbStorageGi },
  };
}
