import type { EnvironmentPreset } from "../catalog/environments";
import type { Environment, SizingModel } from "../config/keys";

import type { ComponentName } from "../catalog/components";
import type { NodeTier } from "../catalog/tiers";

export { NODE_TIERS, type NodeTier } from "../catalog/tiers";
export { COMPONENTS, type ComponentName } from "../catalog/components";

/** Container requests and limits. CPU in millicores, memory in MiB. */
export interface ResourceShape {
  cpuRequestMillis: number;
  cpuLimitMillis: number;
  memoryRequestMi: number;
  memoryLimitMi: number;
}

/** Replica count and resources of one workload. */
export interface WorkloadSizing {
  /** Replicas to run (the HPA's starting point for pools). */
  replicas: number;
  /** HPA floor; equals `replicas` for fixed-count workloads. */
  minReplicas: number;
  /** HPA ceiling; equals `replicas` for fixed-count workloads. */
  maxReplicas: number;
  /**
   * Present when the workload autoscales: the HPA's bounds (the same as minReplicas/maxReplicas)
   * and its CPU utilisation target, the hardware analysis's "CPU < 70 % sustained" that node
   * packing also plans for (machines.ts CPU_TARGET). Components copy it; they set no bound or
   * target of their own.
   */
  autoscaling?: { minReplicas: number; maxReplicas: number; targetCpuUtilizationPercent: number };
  /** Per-replica requests and limits. */
  resources: ResourceShape;
  /** Node tier the pods are scheduled on. */
  tier: NodeTier;
  /** Persistent volume per replica, GiB, where the workload keeps state. */
  storageGi?: number;
}


/** A machine type in each cloud and what it offers. */
export interface MachineType {
  aws: string;
  gcp: string;
  vcpu: number;
  memoryGi: number;
  /** Local NVMe / local SSD attached (hardware tier asks for it). */
  localNvme: boolean;
  /** Network class in Gbps the tier asks for. */
  networkGbps: number;
}

export interface NodePool {
  tier: NodeTier;
  machine: MachineType;
  /** Nodes to start with, including the production spare. */
  nodeCount: number;
  minCount: number;
  maxCount: number;
  /** Pod requests placed on this pool (for the packing report). */
  requestedCpuMillis: number;
  requestedMemoryMi: number;
  /** Labels and taints every node of the pool carries. */
  labels: Record<string, string>;
  taints: { key: string; value: string; effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute" }[];
}

export interface DatabaseSizing {
  /** PostgreSQL instances: 1 primary + standbys. */
  instances: number;
  /** Read replicas beyond the HA standby (managed clouds). */
  readReplicas: number;
  vcpu: number;
  memoryGi: number;
  storageGi: number;
  /** max_connections the server is configured with. */
  maxConnections: number;
  /** Managed instance classes with the same shape. */
  awsInstanceClass: string;
  gcpTier: string;
}

export interface RedisSizing {
  /** Redis nodes: 1 primary + replicas. */
  replicas: number;
  memoryGi: number;
  awsNodeType: string;
  gcpMemorySizeGb: number;
}

export interface ObjectStoreSizing {
  /** Object-store servers (MinIO nodes on-prem). */
  nodes: number;
  drivesPerNode: number;
  driveSizeGi: number;
  /** Capacity for media, backups and LI media, GiB. */
  capacityGi: number;
}

/** Everything the stack needs to know about size, derived from the spec alone. */
export interface Sizing {
  model: SizingModel;
  environment: Environment;
  /**
   * The environment preset every environment-dependent choice is read from (zones, multi-AZ
   * database, NAT gateways, backup retention, deletion protection, cross-region copies, spare
   * nodes). Components read it here; nothing tests the environment name.
   */
  preset: EnvironmentPreset;
  ccu: number;
  /** Profile(s) the numbers come from, e.g. "5k" or "1k..5k". */
  profileLabel: string;
  synapse: {
    main: WorkloadSizing;
    /** Keyed by worker type name from catalog/workers.ts. */
    workers: Record<string, WorkloadSizing>;
  };
  components: Record<ComponentName, WorkloadSizing>;
  database: DatabaseSizing;
  liDatabase: DatabaseSizing;
  redis: RedisSizing;
  objectStore: ObjectStoreSizing;
  nodePools: NodePool[];
  /** Sum of requests (CPU cores, memory GiB) and of persistent storage (GiB). */
  totals: { cpuCores: number; memoryGi: number; storageGi: number };
}
