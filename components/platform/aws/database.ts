import * as aws from "@pulumi/aws";
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { EnvironmentPreset } from "../../../catalog/environments";
import type { DatabaseSizing } from "../../../sizing/types";
import { PostgresBootstrap, type PostgresBootstrapArgs } from "../../data/postgres-bootstrap";
import { databasesOn, type DatabaseName, type Placement } from "../../contracts";
import { rdsBackupRetentionDays } from "../retention";

/** The preset fields an RDS server obeys. */
export type RdsPreset = Pick<EnvironmentPreset, "multiAzDatabase" | "backupRetentionDays" | "deletionProtection">;

/** The data-protection settings of an RDS primary under a preset (pure). */
export function rdsProtection(preset: RdsPreset, identifier: string) {
  return {
    // RDS's synchronous standby in a second AZ with automatic failover.
    multiAz: preset.multiAzDatabase,
    backupRetentionPeriod: rdsBackupRetentionDays(preset.backupRetentionDays),
    deleteAutomatedBackups: !preset.deletionProtection,
    deletionProtection: preset.deletionProtection,
    skipFinalSnapshot: !preset.deletionProtection,
    finalSnapshotIdentifier: preset.deletionProtection ? `${identifier}-final` : undefined,
  };
}

export interface RdsServerArgs {
  /** Resource name prefix (the platform's name). */
  name: string;
  /** Identifier prefix of the instances. */
  prefix: string;
  /** Which server: main holds every database but LI's. */
  server: "main" | "li";
  /** The databases the stack creates (contracts.ts deployedDatabases: the bridges' only while deployed). */
  databases: readonly DatabaseName[];
  /** Instance class, storage, read replicas and connection budget. */
  sizing: DatabaseSizing;
  /** Multi-AZ, backup retention and deletion protection. */
  preset: RdsPreset;
  /** DB subnet group (private subnets). */
  subnetGroupName: pulumi.Input<string>;
  /** Security group admitting the cluster only. */
  securityGroupId: pulumi.Input<string>;
  /** KMS key of storage, snapshots and Performance Insights. */
  kmsKeyArn: pulumi.Input<string>;
  /** Where the bootstrap Job (roles and databases) runs. */
  bootstrap: {
    /** Provider of the cluster. */
    provider: k8s.Provider;
    /** Namespace of the Job. */
    namespace: pulumi.Input<string>;
    /** PostgreSQL client image (registry override applied). */
    image: string;
    /** Placement of the system tier. */
    placement: Placement;
    /** What the Job waits for besides the server. */
    dependsOn: pulumi.Resource[];
    /** Roles and rights beyond the databases' owners (the LI sync's). Default: none. */
    extra?: PostgresBootstrapArgs["extra"];
    /** The region's Amazon RDS roots, which the Job verifies the server against. Default: unverified TLS. */
    serverCaPem?: pulumi.Input<string>;
  };
}

export interface RdsServer {
  primary: aws.rds.Instance;
  replicas: aws.rds.Instance[];
  bootstrap: PostgresBootstrap;
}

/**
 * One RDS PostgreSQL server: a parameter group with sizing's connection budget and forced TLS,
 * the primary (Multi-AZ and retention from the preset), sizing's read replicas, and the Job that
 * creates each consumer's role and database.
 */
export function createRdsServer(a: RdsServerArgs, opts: { parent: pulumi.Resource; provider: aws.Provider }): RdsServer {
  const { name, server, sizing: s } = a;
  const params = new aws.rds.ParameterGroup(`${name}-pg-${server}`, {
    family: "postgres17",
    description: `${a.prefix} ${server} PostgreSQL parameters`,
    parameters: [
      // Connection budget from sizing (pools of every consumer fit under it).
      { name: "max_connections", value: String(s.maxConnections), applyMethod: "pending-reboot" },
      { name: "rds.force_ssl", value: "1" },
      // Logical decoding for the LI copy's insert-only publications (operations notes).
      { name: "rds.logical_replication", value: server === "main" ? "1" : "0", applyMethod: "pending-reboot" },
      { name: "log_min_duration_statement", value: "1000" },
      { name: "shared_preload_libraries", value: "pg_stat_statements", applyMethod: "pending-reboot" },
    ],
  }, opts);
  const adminPassword = new random.RandomPassword(`${name}-pg-${server}-admin`, { length: 40, special: false }, { parent: opts.parent });
  const identifier = `${a.prefix}-${server}`;
  const primary = new aws.rds.Instance(`${name}-pg-${server}`, {
    identifier,
    engine: "postgres",
    engineVersion: "17",
    instanceClass: s.awsInstanceClass,
    allocatedStorage: s.storageGi,
    // Storage autoscaling up to twice the sized volume before anyone is paged.
    maxAllocatedStorage: s.storageGi * 2,
    storageType: "gp3",
    storageEncrypted: true,
    kmsKeyId: a.kmsKeyArn,
    dbSubnetGroupName: a.subnetGroupName,
    vpcSecurityGroupIds: [a.securityGroupId],
    publiclyAccessible: false,
    parameterGroupName: params.name,
    username: "matrix_admin",
    password: adminPassword.result,
    // Automated backups + continuous WAL shipping = point-in-time restore to any second of the
    // retention window (WAL is uploaded every 5 minutes: RPO well under 15 minutes).
    ...rdsProtection(a.preset, identifier),
    backupWindow: "02:00-03:00",
    maintenanceWindow: "sun:04:00-sun:05:00",
    copyTagsToSnapshot: true,
    autoMinorVersionUpgrade: true,
    performanceInsightsEnabled: true,
    performanceInsightsKmsKeyId: a.kmsKeyArn,
    enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
    caCertIdentifier: "rds-ca-rsa2048-g1",
  }, { ...opts, additionalSecretOutputs: ["password"] });
  const replicas = Array.from({ length: s.readReplicas }, (_, i) => new aws.rds.Instance(`${name}-pg-${server}-replica-${i}`, {
    identifier: `${identifier}-replica-${i}`,
    replicateSourceDb: primary.identifier,
    instanceClass: s.awsInstanceClass,
    storageType: "gp3",
    storageEncrypted: true,
    kmsKeyId: a.kmsKeyArn,
    vpcSecurityGroupIds: [a.securityGroupId],
    publiclyAccessible: false,
    parameterGroupName: params.name,
    deletionProtection: a.preset.deletionProtection,
    skipFinalSnapshot: true,
    autoMinorVersionUpgrade: true,
    performanceInsightsEnabled: true,
    performanceInsightsKmsKeyId: a.kmsKeyArn,
  }, opts));
  const b = a.bootstrap;
  const bootstrap = new PostgresBootstrap(`${name}-pg-${server}-bootstrap`, {
    provider: b.provider,
    namespace: b.namespace,
    server,
    host: primary.address,
    port: primary.port,
    adminUser: primary.username,
    adminPassword: pulumi.secret(adminPassword.result),
    databases: databasesOn(server, a.databases),
    image: b.image,
    ...b.placement,
    ...(b.extra ? { extra: b.extra } : {}),
    ...(b.serverCaPem !== undefined ? { serverCaPem: b.serverCaPem } : {}),
    dependsOn: [primary, ...b.dependsOn],
  }, { parent: opts.parent });
  return { primary, replicas, bootstrap };
}

export interface BackupReplicationArgs {
  /** Resource name prefix (the platform's name). */
  name: string;
  /** Servers whose automated backups are copied, by server name. */
  primaries: { server: "main" | "li"; arn: pulumi.Input<string> }[];
  /** KMS key in the secondary region. */
  kmsKeyArn: pulumi.Input<string>;
  /** Days the copies are kept (the preset's retention, within RDS's limit). */
  retentionDays: number;
}

/** Cross-region copies of RDS automated backups (snapshots + WAL) for regional disasters. */
export function replicateRdsBackups(a: BackupReplicationArgs, opts: { parent: pulumi.Resource; provider: aws.Provider }): void {
  for (const p of a.primaries) {
    new aws.rds.InstanceAutomatedBackupsReplication(`${a.name}-pg-${p.server}-backups`, {
      sourceDbInstanceArn: p.arn,
      kmsKeyId: a.kmsKeyArn,
      retentionPeriod: rdsBackupRetentionDays(a.retentionDays),
    }, opts);
  }
}
