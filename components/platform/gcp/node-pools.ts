import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";
import { NODE_DISK_GI } from "../../../sizing/machines";
import type { NodePool } from "../../../sizing/types";
import { gkeTaintEffect } from "./naming";

/** A regional GKE cluster puts node pools in three zones of its region unless told otherwise. */
export const GKE_REGIONAL_ZONES = 3;

/** Zones of a pool: the preset's, at most the region's default three. */
export function gkePoolZones(zones: number): number {
  return Math.min(Math.max(1, zones), GKE_REGIONAL_ZONES);
}

/**
 * A regional pool's counts: the initial count is per zone (so the total starts at or above
 * sizing's), the autoscaler's totals are sizing's as they are (sizing keeps max >= nodes).
 */
export function gkeScaling(pool: Pick<NodePool, "nodeCount" | "minCount" | "maxCount">, zones: number): { initialNodeCount: number; totalMinNodeCount: number; totalMaxNodeCount: number } {
  return {
    initialNodeCount: Math.max(1, Math.ceil(pool.nodeCount / gkePoolZones(zones))),
    totalMinNodeCount: pool.minCount,
    totalMaxNodeCount: pool.maxCount,
  };
}

export interface GkeNodePoolsArgs {
  /** Resource name prefix (the platform's name). */
  name: string;
  /** Node pools from sizing: machine, counts, labels, taints per tier. */
  pools: NodePool[];
  /** Cluster id. */
  cluster: pulumi.Input<string>;
  region: string;
  /**
   * Zones the nodes spread over (environment preset `zones`). Fewer than the region's three pins
   * the pools to the region's first zones; three or more leaves GKE's regional default.
   */
  zones: number;
  /** Node service account e-mail. */
  serviceAccount: pulumi.Input<string>;
  /** CMEK key of the boot disks (its grants must exist first). */
  diskKey: { key: gcp.kms.CryptoKey; grants: pulumi.Resource[] };
  /** GCE labels of the node VMs. */
  resourceLabels: Record<string, string>;
  /**
   * The tier whose nodes serve RTC media on host networking (edge, when calls are deployed): its
   * nodes get public addresses (the cluster's nodes are private otherwise) and the network tag
   * the media firewall rule targets. Default: absent.
   */
  publicMedia?: { tier: NodePool["tier"]; networkTag: string };
}

/** One node pool per sizing pool: shielded COS nodes, GKE metadata server, CMEK boot disks. */
export function createNodePools(a: GkeNodePoolsArgs, opts: { parent: pulumi.Resource; provider: gcp.Provider }): gcp.container.NodePool[] {
  const zones = gkePoolZones(a.zones);
  const nodeLocations = zones < GKE_REGIONAL_ZONES
    ? gcp.compute.getZonesOutput({ region: a.region, status: "UP" }, opts).names.apply((n) => n.slice(0, zones))
    : undefined;
  return a.pools.map((pool) => {
    const scaling = gkeScaling(pool, zones);
    const media = a.publicMedia?.tier === pool.tier ? a.publicMedia : undefined;
    return new gcp.container.NodePool(`${a.name}-${pool.tier}`, {
      name: pool.tier,
      cluster: a.cluster,
      location: a.region,
      ...(nodeLocations ? { nodeLocations } : {}),
      initialNodeCount: scaling.initialNodeCount,
      autoscaling: { totalMinNodeCount: scaling.totalMinNodeCount, totalMaxNodeCount: scaling.totalMaxNodeCount, locationPolicy: "BALANCED" },
      management: { autoRepair: true, autoUpgrade: true },
      upgradeSettings: { maxSurge: 1, maxUnavailable: 0 },
      ...(media ? { networkConfig: { enablePrivateNodes: false } } : {}),
      nodeConfig: {
        machineType: pool.machine.gcp,
        imageType: "COS_CONTAINERD",
        diskType: "pd-balanced",
        diskSizeGb: NODE_DISK_GI,
        bootDiskKmsKey: a.diskKey.key.id,
        labels: { ...pool.labels },
        taints: pool.taints.map((t) => ({ key: t.key, value: t.value, effect: gkeTaintEffect(t.effect) })),
        serviceAccount: a.serviceAccount,
        oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
        shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
        workloadMetadataConfig: { mode: "GKE_METADATA" },
        metadata: { "disable-legacy-endpoints": "true" },
        resourceLabels: a.resourceLabels,
        ...(media ? { tags: [media.networkTag] } : {}),
      },
    }, { ...opts, dependsOn: [...a.diskKey.grants], ignoreChanges: ["initialNodeCount"] });
  });
}
