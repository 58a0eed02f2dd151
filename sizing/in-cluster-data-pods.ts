/**
 * The data services' pods on the existing platform (CloudNativePG, MinIO), which the node pools
 * must hold; on the clouds these services are managed and run no pods.
 */
import type { PlatformSpec } from "../config/spec";
import { INVENTORY } from "../catalog/profiles";
import { interpolateHold } from "./interpolate";
import type { PodDemand } from "./pool-packing";
import type { DatabaseSizing, NodeTier, ObjectStoreSizing } from "./types";
import { isDeployed } from "../catalog/components";

/** MinIO server pod per node at the five profile points (CPU millicores, MiB): erasure coding and
 * TLS are CPU work, and MinIO's own guidance grows memory with drives and concurrent requests. */
export const MINIO_POD_SERIES = { cpu: [500, 1000, 2000, 2000, 4000], mem: [2048, 4096, 8192, 8192, 16384] } as const;
/** The LI tenant serves a few investigators: the smallest MinIO pod on the inventory's 4 nodes. */
export const MINIO_LI_POD = { cpuMillis: 500, memoryMi: 2048, nodes: INVENTORY.liMinioNodes } as const;

/** Requests of one MinIO server pod at `ccu` (MINIO_POD_SERIES between the profile points). */
export function minioServerPod(ccu: number): { cpuMillis: number; memoryMi: number } {
  return { cpuMillis: Math.round(interpolateHold(ccu, MINIO_POD_SERIES.cpu)), memoryMi: Math.round(interpolateHold(ccu, MINIO_POD_SERIES.mem)) };
}

/** A data service's pods on the existing platform (CloudNativePG, MinIO), for node packing. */
export interface DataPods {
  tier: NodeTier;
  pods: PodDemand[];
}

/**
 * Share of its class a PostgreSQL pod requests on-prem. The class is the node a database
 * instance gets to itself (the hardware analysis's dedicated database servers); the pod asks for
 * what that node can give under the 70 % CPU / 80 % memory targets after the kubelet's and the
 * DaemonSets' share, so one instance always fits one node of its class's size. PostgreSQL sizes
 * shared_buffers and work_mem from this request, not from the node.
 */
export const PG_POD_CPU_SHARE = 0.6;
export const PG_POD_MEMORY_SHARE = 0.7;

/** In-cluster data pods of the existing platform (CloudNativePG and MinIO), for node packing. */
export function inClusterDataPods(spec: PlatformSpec, database: DatabaseSizing, liDatabase: DatabaseSizing, objectStore: ObjectStoreSizing): DataPods[] {
  if (spec.platform !== "existing") return [];
  const pg = (name: string, d: DatabaseSizing): PodDemand[] =>
    Array.from({ length: d.instances }, () => ({
      workload: name,
      spreadGroup: name,
      cpuMillis: Math.floor(d.vcpu * 1000 * PG_POD_CPU_SHARE),
      memoryMi: Math.floor(d.memoryGi * 1024 * PG_POD_MEMORY_SHARE),
    }));
  const minio: PodDemand[] = Array.from({ length: objectStore.nodes }, () => ({
    workload: "minio",
    spreadGroup: "minio",
    ...minioServerPod(spec.ccu),
  }));
  const minioLi: PodDemand[] = isDeployed("li", spec)
    ? Array.from({ length: MINIO_LI_POD.nodes }, () => ({ workload: "minio-li", spreadGroup: "minio-li", cpuMillis: MINIO_LI_POD.cpuMillis, memoryMi: MINIO_LI_POD.memoryMi }))
    : [];
  return [
    { tier: "database", pods: [...pg("postgresql", database), ...(isDeployed("li", spec) ? pg("postgresql-li", liDatabase) : [])] },
    { tier: "media", pods: [...minio, ...minioLi] },
  ];
}

