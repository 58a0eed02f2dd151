import { allocatable, allocatableEphemeralGi } from "../../sizing/machines";
import type { NodePool } from "../../sizing/types";
import { SIMULATED_NODE_ANNOTATION } from "./control-plane";

/** Zones the simulated nodes are spread over, round robin within each pool (a three-zone site). */
export const SIMULATED_ZONES = ["zone-a", "zone-b", "zone-c"];

/** Pods one node admits: the kubelet's default. */
const MAX_PODS = 110;

/**
 * The Node objects of a stack's node pools, as sizing computed them: each pool's labels and
 * taints, its machine's allocatable CPU, memory and ephemeral storage (what the kubelet leaves
 * for pods), and kwok's annotation so kwok plays their kubelet. A pod that does not fit its pool
 * or selects no pool stays Pending, and the test's readiness wait fails on it.
 */
export function simulatedNodes(pools: readonly NodePool[], prefix = ""): object[] {
  return pools.flatMap((pool) => {
    const a = allocatable(pool.machine);
    const resources = { cpu: `${a.cpuMillis}m`, memory: `${a.memoryMi}Mi`, "ephemeral-storage": `${allocatableEphemeralGi()}Gi`, pods: String(MAX_PODS) };
    return Array.from({ length: pool.nodeCount }, (_, i) => {
      const name = `${prefix}${pool.tier}-${i}`;
      return {
        apiVersion: "v1",
        kind: "Node",
        metadata: {
          name,
          annotations: { [SIMULATED_NODE_ANNOTATION]: "fake", "node.alpha.kubernetes.io/ttl": "0" },
          labels: {
            ...pool.labels,
            "kubernetes.io/hostname": name,
            "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            "node.kubernetes.io/instance-type": pool.machine.aws,
            "topology.kubernetes.io/zone": SIMULATED_ZONES[i % SIMULATED_ZONES.length],
            type: "kwok",
          },
        },
        spec: { taints: pool.taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect })) },
        status: { allocatable: resources, capacity: resources },
      };
    });
  });
}
