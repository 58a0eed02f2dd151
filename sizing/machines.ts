/**
 * Machine catalogue: one AMD EPYC machine family per node tier and cloud, and what a node of it
 * can actually hold. Shapes follow the hardware analysis's server classes ("Option 2:
 * Distributed Cluster"): load balancers 16 cores / 64 GB / 2x10 Gbps, homeservers and the database
 * 32 cores / 256 GB with NVMe and 2x10 Gbps, bridges 24 cores / 192 GB (8 GB per core), media
 * 16 cores / 64 GB with an SSD cache, 10 Gbps.
 */
import type { PlatformKind } from "../config/keys";
import type { MachineType, NodeTier } from "./types";

export interface MachineFamily {
  /** EC2 family, sizes named large (2 vCPU) ... 16xlarge (64 vCPU). */
  aws: string;
  /** GCE family prefix, sizes named <prefix>-<vCPU>. */
  gcp: string;
  /**
   * Memory per vCPU both clouds give (the smaller where they differ, so a pod packed for one fits
   * the other).
   */
  memoryGiPerVcpu: number;
  /** vCPU sizes offered on both clouds, ascending. */
  sizes: readonly number[];
  localNvme: boolean;
  networkGbps: number;
}

const EC2_SIZE: Record<number, string> = { 2: "large", 4: "xlarge", 8: "2xlarge", 16: "4xlarge", 32: "8xlarge", 64: "16xlarge" };
/**
 * Sizes from 4 vCPU: on a 2-vCPU node the kubelet reservation, the DaemonSets and the 70 %
 * target leave barely one core for pods, so small pools fragment across many tiny nodes.
 */
const POWERS = [4, 8, 16, 32, 64] as const;

/**
 * Families. AMD EPYC everywhere (m7a/c7a/r7a are 4th-gen EPYC; n2d and c3d are EPYC on GCP).
 * Where the tier asks for local NVMe (database, and media on-prem where MinIO keeps its drives)
 * AWS's only AMD family with instance-store NVMe is the *5ad generation; GCP attaches local SSD
 * to n2d. Those two tiers are only created on the existing platform (the clouds use RDS/Cloud SQL
 * and S3/GCS), so there the names say what hardware to label, not what to buy.
 */
export const FAMILIES: Record<NodeTier | "mediaCloud", MachineFamily> = {
  // Compute-optimised: edge pods are CPU and network, little memory. c3d starts at 4 vCPU and
  // stops matching the power-of-two ladder above 16; 16 is the document's LB size anyway.
  edge: { aws: "c7a", gcp: "c3d-standard", memoryGiPerVcpu: 2, sizes: [4, 8, 16], localNvme: false, networkGbps: 25 },
  homeserver: { aws: "m7a", gcp: "n2d-standard", memoryGiPerVcpu: 4, sizes: POWERS, localNvme: false, networkGbps: 25 },
  bridge: { aws: "r7a", gcp: "n2d-highmem", memoryGiPerVcpu: 8, sizes: POWERS, localNvme: false, networkGbps: 10 },
  database: { aws: "r5ad", gcp: "n2d-highmem", memoryGiPerVcpu: 8, sizes: POWERS, localNvme: true, networkGbps: 25 },
  media: { aws: "m5ad", gcp: "n2d-standard", memoryGiPerVcpu: 4, sizes: POWERS, localNvme: true, networkGbps: 10 },
  // On the clouds media lives in S3/GCS: the media tier only runs media workers and antivirus.
  mediaCloud: { aws: "m7a", gcp: "n2d-standard", memoryGiPerVcpu: 4, sizes: POWERS, localNvme: false, networkGbps: 10 },
  system: { aws: "m7a", gcp: "n2d-standard", memoryGiPerVcpu: 4, sizes: POWERS, localNvme: false, networkGbps: 10 },
};

export function familyFor(tier: NodeTier, platform: PlatformKind): MachineFamily {
  return tier === "media" && platform !== "existing" ? FAMILIES.mediaCloud : FAMILIES[tier];
}

export function machineType(family: MachineFamily, vcpu: number): MachineType {
  if (!family.sizes.includes(vcpu)) throw new Error(`${family.aws}/${family.gcp} has no ${vcpu}-vCPU size`);
  return {
    aws: `${family.aws}.${EC2_SIZE[vcpu]}`,
    gcp: `${family.gcp}-${vcpu}`,
    vcpu,
    memoryGi: vcpu * family.memoryGiPerVcpu,
    localNvme: family.localNvme,
    networkGbps: family.networkGbps,
  };
}

/**
 * What the kubelet leaves for pods, by GKE's published reservation formula (EKS reserves
 * similar or less, so this is the conservative one for both): CPU 6 % of the first core, 1 % of
 * the second, 0.5 % of the next two, 0.25 % above four; memory 25 % of the first 4 GiB, 20 % of
 * the next 4, 10 % of the next 8, 6 % of the next 112, 2 % above 128, plus a 100 MiB eviction
 * threshold.
 */
export function allocatable(machine: MachineType): { cpuMillis: number; memoryMi: number } {
  const cores = machine.vcpu;
  const cpuReserved =
    1000 * (0.06 * Math.min(cores, 1) + 0.01 * clamp(cores - 1, 0, 1) + 0.005 * clamp(cores - 2, 0, 2) + 0.0025 * Math.max(cores - 4, 0));
  const gi = machine.memoryGi;
  const memReservedGi =
    0.25 * Math.min(gi, 4) + 0.2 * clamp(gi - 4, 0, 4) + 0.1 * clamp(gi - 8, 0, 8) + 0.06 * clamp(gi - 16, 0, 112) + 0.02 * Math.max(gi - 128, 0);
  return {
    cpuMillis: Math.floor(cores * 1000 - cpuReserved),
    memoryMi: Math.floor(gi * 1024 - memReservedGi * 1024 - 100),
  };
}

/** The boot disk every cloud node gets (EBS gp3 on AWS, pd-balanced on GKE): images, logs, emptyDirs. */
export const NODE_DISK_GI = 100;

/**
 * Ephemeral storage a node's boot disk leaves for pods: the disk less the kubelet's default hard
 * eviction threshold (10 % of nodefs) and 15 GiB for the OS, container images and the kubelet's
 * own reservation (a conservative allowance for both clouds' node images). The pods'
 * ephemeral-storage requests (components/k8s/pod-spec.ts) must fit it; the real-engine test's
 * simulated nodes offer exactly this.
 */
export function allocatableEphemeralGi(diskGi = NODE_DISK_GI): number {
  return Math.floor(diskGi - diskGi * 0.1 - 15);
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}

/**
 * Per-node DaemonSets every node runs (log shipper, node exporter, CNI, CSI, kube-proxy): taken
 * off each node before pods are packed.
 */
export const DAEMONSET_OVERHEAD = { cpuMillis: 250, memoryMi: 512 } as const;

/**
 * Utilisation targets from the hardware analysis's key metrics: "CPU usage < 70% sustained",
 * "Memory usage < 80%". Requests are the sustained figure, so requests (DaemonSets included)
 * stay under these fractions of allocatable.
 */
export const CPU_TARGET = 0.7;
export const MEMORY_TARGET = 0.8;

/** Requests one node of `machine` may carry for pods under the targets. */
export function podCapacity(machine: MachineType): { cpuMillis: number; memoryMi: number } {
  const a = allocatable(machine);
  return {
    cpuMillis: Math.floor(a.cpuMillis * CPU_TARGET - DAEMONSET_OVERHEAD.cpuMillis),
    memoryMi: Math.floor(a.memoryMi * MEMORY_TARGET - DAEMONSET_OVERHEAD.memoryMi),
  };
}
