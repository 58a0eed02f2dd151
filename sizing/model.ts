/**
 * What a sizing model produces before the shared steps (data-service classes, in-cluster data
 * pods, node pools, totals) turn it into a `Sizing`. Both models fill this shape.
 */
import type { ComponentName, WorkloadSizing } from "./types";
import type { DatabaseDemand } from "./data-service-sizing";

export interface ModelOutput {
  main: WorkloadSizing;
  workers: Record<string, WorkloadSizing>;
  components: Record<ComponentName, WorkloadSizing>;
  database: DatabaseDemand;
  liDatabase: DatabaseDemand;
  redis: { replicas: number; memoryGi: number };
  objectStore: { nodes: number; capacityGi: number };
}
