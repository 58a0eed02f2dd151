import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { RedisSizing } from "../../../sizing/types";

/**
 * Nodes and failover of the replication group: sizing's Redis nodes as they are; automatic
 * failover across AZs needs a primary and at least one replica, so it is on from two nodes.
 */
export function elastiCacheTopology(redis: Pick<RedisSizing, "replicas">): { numCacheClusters: number; failover: boolean } {
  return { numCacheClusters: redis.replicas, failover: redis.replicas >= 2 };
}

export interface ElastiCacheArgs {
  /** Resource name prefix (the platform's name). */
  name: string;
  /** Replication group id prefix. */
  prefix: string;
  /** Nodes (primary + replicas) and node type. */
  sizing: RedisSizing;
  /** Private subnets of the cache nodes. */
  subnetIds: pulumi.Input<string>[];
  /** Security group admitting the cluster only. */
  securityGroupId: pulumi.Input<string>;
  /** KMS key of at-rest encryption. */
  kmsKeyArn: pulumi.Input<string>;
  /**
   * Apply modifications at once instead of in the maintenance window. Default in the platform:
   * on unless the preset is highly available (there a change waits for the window).
   */
  applyImmediately: boolean;
}

/**
 * ElastiCache Redis for Synapse's replication: one replication group whose primary endpoint
 * stays stable across failovers (Synapse takes one host:port), TLS and AUTH, KMS at rest.
 */
export function createElastiCache(a: ElastiCacheArgs, opts: { parent: pulumi.Resource; provider: aws.Provider }): { group: aws.elasticache.ReplicationGroup; authToken: pulumi.Output<string> } {
  const { name, prefix } = a;
  const subnets = new aws.elasticache.SubnetGroup(`${name}-redis`, { subnetIds: a.subnetIds, description: `${prefix} Redis subnets` }, opts);
  const authToken = new random.RandomPassword(`${name}-redis-auth`, { length: 64, special: false }, { parent: opts.parent });
  const { numCacheClusters, failover } = elastiCacheTopology(a.sizing);
  const group = new aws.elasticache.ReplicationGroup(`${name}-redis`, {
    replicationGroupId: `${prefix}-redis`.slice(0, 40),
    description: `${prefix} Redis for Synapse replication`,
    engine: "redis",
    engineVersion: "7.1",
    nodeType: a.sizing.awsNodeType,
    numCacheClusters,
    port: 6379,
    automaticFailoverEnabled: failover,
    multiAzEnabled: failover,
    subnetGroupName: subnets.name,
    securityGroupIds: [a.securityGroupId],
    transitEncryptionEnabled: true,
    atRestEncryptionEnabled: true,
    kmsKeyId: a.kmsKeyArn,
    authToken: authToken.result,
    snapshotRetentionLimit: 7,
    snapshotWindow: "03:00-04:00",
    maintenanceWindow: "sun:05:00-sun:06:00",
    autoMinorVersionUpgrade: true,
    applyImmediately: a.applyImmediately,
  }, { ...opts, additionalSecretOutputs: ["authToken"] });
  return { group, authToken: pulumi.secret(authToken.result) };
}
