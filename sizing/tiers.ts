/**
 * Which node tier every workload runs on, and the labels/taints that keep it there. Tiers are the
 * hardware analysis's server classes ("Option 2: Distributed Cluster"): frontend load balancers,
 * homeservers, bridge servers, database cluster, media storage; plus `system` for monitoring and
 * operators, which the document runs beside everything else.
 */
import type { ComponentName, NodeTier } from "./types";

/** Node label naming the tier; pods select it. */
export const TIER_LABEL = "matrix-platform.io/tier";
/** Taint key keeping other pods off a dedicated tier. */
export const TIER_TAINT_KEY = "matrix-platform.io/dedicated";

/**
 * `system` stays untainted so operators, controllers and DaemonSets that carry no toleration
 * land there by default; every other tier is dedicated.
 */
export function tierTaints(tier: NodeTier): { key: string; value: string; effect: "NoSchedule" }[] {
  return tier === "system" ? [] : [{ key: TIER_TAINT_KEY, value: tier, effect: "NoSchedule" }];
}

export function tierLabels(tier: NodeTier): Record<string, string> {
  return { [TIER_LABEL]: tier };
}

/** nodeSelector and tolerations a pod of `tier` needs (for the components to copy). */
export function schedulingFor(tier: NodeTier): {
  nodeSelector: Record<string, string>;
  tolerations: { key: string; operator: "Equal"; value: string; effect: "NoSchedule" }[];
} {
  return {
    nodeSelector: tierLabels(tier),
    tolerations: tierTaints(tier).map((t) => ({ key: t.key, operator: "Equal" as const, value: t.value, effect: t.effect })),
  };
}

/**
 * Media-repository workers sit with the media tier: thumbnailing is their CPU work and the media
 * tier is the one the hardware document gives fast local storage for media. Every other Synapse
 * process is a homeserver.
 */
export function workerTier(workerName: string): NodeTier {
  return workerName === "media-repository" ? "media" : "homeserver";
}

export const COMPONENT_TIERS: Record<ComponentName, NodeTier> = {
  // Frontend load balancers (document: 2x 16 cores, 2x 10 Gbps): everything that terminates
  // client connections or carries media streams.
  haproxy: "edge",
  edgeProxy: "edge",
  element: "edge",
  admin: "edge",
  livekit: "edge",
  lkJwt: "edge",
  coturn: "edge",
  // Homeserver class: Synapse's close companions.
  sygnal: "homeserver",
  keyVault: "homeserver",
  redis: "homeserver",
  // The LI instance is a small Synapse of its own; it shares the homeserver class (network
  // policies, not nodes, isolate it).
  synapseLi: "homeserver",
  elementLi: "homeserver",
  adminLi: "homeserver",
  liSync: "homeserver",
  // Bridge servers (document: 4x 24 cores / 192 GB).
  telegram: "bridge",
  whatsapp: "bridge",
  // Antivirus scans media, so it runs next to media.
  clamav: "media",
  scanWorker: "media",
  // Monitoring and operators.
  prometheus: "system",
  grafana: "system",
  loki: "system",
  alertmanager: "system",
};
