/**
 * Node tiers, from the hardware analysis's server classes ("Option 2: Distributed Cluster"):
 * frontend load balancers, homeservers, bridge servers, database cluster, media storage; plus
 * `system` for monitoring and operators.
 */
export const NODE_TIERS = ["edge", "homeserver", "bridge", "database", "media", "system"] as const;
export type NodeTier = (typeof NODE_TIERS)[number];
