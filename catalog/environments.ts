/**
 * Environment presets: what dev, staging and prod change on top of a CCU profile. Sizing reads
 * these (never `environment === "prod"` scattered around), components read the data-protection
 * switches. The profile numbers themselves are the same in every environment; only prod raises
 * them to the HA minimums (stacks/profiles.ts HA_MINIMUMS) and adds spare capacity.
 */
import type { Environment } from "../config/keys";

export interface EnvironmentPreset {
  name: Environment;
  /** Raise every count to the HA minimums (matches PlatformSpec.highAvailability). */
  highAvailability: boolean;
  /**
   * Minimum nodes per pool before the spare: 2 in prod so that a pool's replicas can be spread
   * over two failure domains (topology spread / anti-affinity has somewhere to go).
   */
  minNodesPerPool: number;
  /** Extra nodes per pool so one node can drain or fail without evicting onto a full pool. */
  spareNodesPerPool: number;
  /** Spread nodes and data services over this many availability zones. */
  zones: number;
  /** Managed PostgreSQL standby in a second zone (RDS Multi-AZ, Cloud SQL HA). */
  multiAzDatabase: boolean;
  /** NAT gateways: one per zone in prod so losing a zone keeps egress. */
  natGateways: number;
  /** Protect databases, buckets and volumes from `pulumi destroy`. */
  deletionProtection: boolean;
  /** Copy backups and media to the secondary region. */
  crossRegionReplication: boolean;
  /** Days of point-in-time recovery / backup retention. */
  backupRetentionDays: number;
  /**
   * Mutual TLS between HAProxy and the Synapse processes unless `internalMtls` says otherwise:
   * on where the cluster is shared with operators and other workloads (staging rehearses prod),
   * off in dev, where the loopback e2e switches it on itself.
   */
  internalMtls: boolean;
  /**
   * Share of Synapse's requests that start a trace (monitoring): every request in dev, where the
   * traffic is a developer's own; a hundredth in prod, enough to see slow paths at thousands of
   * requests a second without the spans costing more than the requests.
   */
  traceSamplingRatio: number;
}

export const ENVIRONMENT_PRESETS: Record<Environment, EnvironmentPreset> = {
  // Cheapest faithful copy of a profile: its numbers exactly, one zone, nothing held back.
  dev: {
    name: "dev",
    highAvailability: false,
    minNodesPerPool: 1,
    spareNodesPerPool: 0,
    zones: 1,
    multiAzDatabase: false,
    natGateways: 1,
    deletionProtection: false,
    crossRegionReplication: false,
    backupRetentionDays: 1,
    internalMtls: false,
    traceSamplingRatio: 1,
  },
  // Same topology as prod's managed services (Multi-AZ, 3 zones) so failover can be rehearsed,
  // but the profile's replica counts and no spare nodes.
  staging: {
    name: "staging",
    highAvailability: false,
    minNodesPerPool: 1,
    spareNodesPerPool: 0,
    zones: 3,
    multiAzDatabase: true,
    natGateways: 1,
    deletionProtection: false,
    crossRegionReplication: false,
    backupRetentionDays: 7,
    internalMtls: true,
    traceSamplingRatio: 0.1,
  },
  // HA minimums, one spare node per pool, everything protected and copied off-region.
  prod: {
    name: "prod",
    highAvailability: true,
    minNodesPerPool: 2,
    spareNodesPerPool: 1,
    zones: 3,
    multiAzDatabase: true,
    natGateways: 3,
    deletionProtection: true,
    crossRegionReplication: true,
    backupRetentionDays: 30,
    internalMtls: true,
    traceSamplingRatio: 0.01,
  },
};

export function environmentPreset(env: Environment): EnvironmentPreset {
  return ENVIRONMENT_PRESETS[env];
}
