import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { EnvironmentPreset } from "../../../catalog/environments";
import type { DatabaseSizing } from "../../../sizing/types";
import { DATABASE_LOCALE, DATABASE_SPECS, databasesOn, LI_SYNC_ROLE, MONITORING_ROLE, type DatabaseName } from "../../contracts";
import type { DatabaseCredentials } from "../outputs";
import { cloudSqlRetention } from "../retention";

/** The preset fields a Cloud SQL server obeys. */
export type CloudSqlPreset = Pick<EnvironmentPreset, "multiAzDatabase" | "backupRetentionDays" | "deletionProtection" | "crossRegionReplication">;

/** Availability and backups of a Cloud SQL primary under a preset (pure). */
export function cloudSqlProtection(preset: CloudSqlPreset, secondaryRegion: string | undefined) {
  const retention = cloudSqlRetention(preset.backupRetentionDays);
  return {
    // REGIONAL = synchronous standby in another zone with automatic failover.
    availabilityType: preset.multiAzDatabase ? "REGIONAL" : "ZONAL",
    deletionProtection: preset.deletionProtection,
    backupConfiguration: {
      enabled: true,
      startTime: "02:00",
      pointInTimeRecoveryEnabled: true,
      // Enterprise edition keeps at most 7 days of WAL; daily backups cover the whole window.
      transactionLogRetentionDays: retention.transactionLogRetentionDays,
      backupRetentionSettings: { retainedBackups: retention.retainedBackups, retentionUnit: "COUNT" },
      // Backups stored outside the primary region where the preset copies data off-region.
      location: preset.crossRegionReplication && secondaryRegion ? secondaryRegion : undefined,
    },
  };
}

export interface CloudSqlServerArgs {
  /** Resource name prefix (the platform's name). */
  name: string;
  /** Instance name prefix. */
  prefix: string;
  /** Which server: main holds every database but LI's. */
  server: "main" | "li";
  /** The databases the stack creates (contracts.ts deployedDatabases: the bridges' only while deployed). */
  databases: readonly DatabaseName[];
  region: string;
  /** Region of off-region backups; used only when the preset copies data off-region. Default: none. */
  secondaryRegion?: string;
  /** Tier, disk, read replicas and connection budget. */
  sizing: DatabaseSizing;
  /** HA, retention, deletion protection and off-region backups. */
  preset: CloudSqlPreset;
  /** VPC of the private IP. */
  network: pulumi.Input<string>;
  /** CMEK key of the instances (its grants must exist first). */
  kmsKey: { key: gcp.kms.CryptoKey; grants: pulumi.Resource[] };
  /** Private services access peering. */
  peering: pulumi.Resource;
  /** User labels of the instances. */
  labels: Record<string, string>;
  /** Create the LI sync's login on this server (main's, while LI is deployed). Default: false. */
  liSyncLogin?: boolean;
  /** The exporters' login (MONITORING_ROLE) with this password, while monitoring is deployed. Default: none. */
  monitoringLogin?: pulumi.Output<string>;
}

export interface CloudSqlServer {
  primary: gcp.sql.DatabaseInstance;
  replicas: gcp.sql.DatabaseInstance[];
  credentials: Partial<Record<DatabaseName, DatabaseCredentials>>;
  /** The LI sync's login, where asked for (its REPLICATION attribute comes from the publisher Job). */
  liSync?: { user: string; password: pulumi.Output<string>; resource: gcp.sql.User };
  /** The exporters' login, where asked for. */
  monitoringLogin?: gcp.sql.User;
}

/**
 * One Cloud SQL PostgreSQL server: private IP only, TLS only, sizing's connection budget, the
 * primary's availability and backups from the preset, sizing's read replicas, and one database
 * and owner per consumer.
 */
export function createCloudSqlServer(a: CloudSqlServerArgs, opts: { parent: pulumi.Resource; provider: gcp.Provider }): CloudSqlServer {
  const { name, server, sizing: s } = a;
  const ipConfiguration = { ipv4Enabled: false, privateNetwork: a.network, sslMode: "ENCRYPTED_ONLY", enablePrivatePathForGoogleCloudServices: true };
  const flags = [
    { name: "max_connections", value: String(s.maxConnections) },
    { name: "log_min_duration_statement", value: "1000" },
    ...(server === "main" ? [{ name: "cloudsql.logical_decoding", value: "on" }] : []),
  ];
  const protection = cloudSqlProtection(a.preset, a.secondaryRegion);
  const primary = new gcp.sql.DatabaseInstance(`${name}-pg-${server}`, {
    name: `${a.prefix}-${server}`,
    region: a.region,
    databaseVersion: "POSTGRES_17",
    encryptionKeyName: a.kmsKey.key.id,
    deletionProtection: protection.deletionProtection,
    settings: {
      tier: s.gcpTier,
      edition: "ENTERPRISE",
      availabilityType: protection.availabilityType,
      diskType: "PD_SSD",
      diskSize: s.storageGi,
      diskAutoresize: true,
      deletionProtectionEnabled: protection.deletionProtection,
      ipConfiguration,
      databaseFlags: flags,
      backupConfiguration: protection.backupConfiguration,
      insightsConfig: { queryInsightsEnabled: true },
      maintenanceWindow: { day: 7, hour: 4, updateTrack: "stable" },
      userLabels: a.labels,
    },
  }, { ...opts, dependsOn: [a.peering, ...a.kmsKey.grants] });
  const replicas = Array.from({ length: s.readReplicas }, (_, i) => new gcp.sql.DatabaseInstance(`${name}-pg-${server}-replica-${i}`, {
    name: `${a.prefix}-${server}-replica-${i}`,
    region: a.region,
    databaseVersion: "POSTGRES_17",
    masterInstanceName: primary.name,
    encryptionKeyName: a.kmsKey.key.id,
    deletionProtection: protection.deletionProtection,
    settings: {
      tier: s.gcpTier,
      edition: "ENTERPRISE",
      availabilityType: "ZONAL",
      diskType: "PD_SSD",
      diskAutoresize: true,
      // Cloud SQL's own deletion protection, as on the primary (the Pulumi flag guards only `pulumi destroy`).
      deletionProtectionEnabled: protection.deletionProtection,
      ipConfiguration,
      databaseFlags: flags,
      userLabels: a.labels,
    },
  }, { ...opts, dependsOn: [primary] }));
  const credentials: Partial<Record<DatabaseName, DatabaseCredentials>> = {};
  for (const db of databasesOn(server, a.databases)) {
    const { database, owner } = DATABASE_SPECS[db];
    const password = new random.RandomPassword(`${name}-pg-${db}-password`, { length: 40, special: false }, { parent: opts.parent });
    const user = new gcp.sql.User(`${name}-pg-${db}-user`, {
      instance: primary.name,
      name: owner,
      password: password.result,
      type: "BUILT_IN",
      deletionPolicy: "ABANDON",
    }, { ...opts, additionalSecretOutputs: ["password"] });
    new gcp.sql.Database(`${name}-pg-${db}`, {
      instance: primary.name,
      name: database,
      charset: DATABASE_LOCALE.encoding,
      // Synapse requires C collation (see DATABASE_LOCALE in components/contracts.ts).
      collation: DATABASE_LOCALE.collate,
      deletionPolicy: a.preset.deletionProtection ? "ABANDON" : "DELETE",
    }, { ...opts, dependsOn: [user] });
    credentials[db] = { database, user: owner, password: pulumi.secret(password.result) };
  }
  // Cloud SQL's API makes only cloudsqlsuperuser members; the attribute a replication connection
  // needs (REPLICATION) is given in SQL by one of them: the publisher Job, as Synapse's owner.
  let liSync: CloudSqlServer["liSync"];
  if (a.liSyncLogin) {
    const password = new random.RandomPassword(`${name}-pg-li-sync-password`, { length: 40, special: false }, { parent: opts.parent });
    const resource = new gcp.sql.User(`${name}-pg-li-sync-user`, {
      instance: primary.name,
      name: LI_SYNC_ROLE,
      password: password.result,
      type: "BUILT_IN",
      deletionPolicy: "ABANDON",
    }, { ...opts, additionalSecretOutputs: ["password"] });
    liSync = { user: LI_SYNC_ROLE, password: pulumi.secret(password.result), resource };
  }
  // The exporters' login. Cloud SQL's API makes every user a cloudsqlsuperuser member (it has no
  // way to make a role with pg_monitor alone); cloudsqlsuperuser is itself in pg_monitor, which is
  // what the exporters use. Broader than RDS's login (CREATEROLE, CREATEDB come with it), so its
  // password lives only in the monitoring namespace's Secret and the exporters' pods.
  const monitoringLogin = a.monitoringLogin
    ? new gcp.sql.User(`${name}-pg-${server}-monitor-user`, {
      instance: primary.name,
      name: MONITORING_ROLE,
      password: a.monitoringLogin,
      type: "BUILT_IN",
      deletionPolicy: "ABANDON",
    }, { ...opts, additionalSecretOutputs: ["password"] })
    : undefined;
  return { primary, replicas, credentials, ...(liSync ? { liSync } : {}), ...(monitoringLogin ? { monitoringLogin } : {}) };
}
