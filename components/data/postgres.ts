import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import type { DatabaseSizing } from "../../sizing/types";
import { standardLabels } from "../k8s/labels";
import { postgresTuning } from "../../sizing/postgres-tuning";
import { BARMAN_PLUGIN, DATABASE_LOCALE, DATABASE_SPECS } from "../contracts";
import type { CrdProviders, DatabaseName, Placement } from "../contracts";
import { customResource } from "../k8s/custom-resource";

/**
 * Longest time a WAL segment waits before it is archived; RPO is bounded by it, and 5 minutes
 * keeps us well inside the 15-minute RPO.
 */
export const WAL_ARCHIVE_TIMEOUT = "5min";

/** Path under the backup bucket that barman-cloud writes base backups and WAL to (`<prefix>/<cluster>/...`). */
export const BACKUP_PREFIX = "cnpg";

/**
 * Where CloudNativePG's instance manager writes the cluster's server CA (`serverCASecret`'s
 * ca.crt) in every instance pod: pkg/postgres `ServerCACertificateLocation` =
 * "/controller/certificates/server-ca.crt", the file its own replicas' primary_conninfo names as
 * sslrootcert. A connection the server opens itself (a subscription's) can name it.
 */
export const CNPG_SERVER_CA_FILE = "/controller/certificates/server-ca.crt";

/** Barman Cloud retention policy (ObjectStore `retentionPolicy`) keeping `days` of recovery window. */
export function barmanRetentionPolicy(days: number): string {
  if (!Number.isInteger(days) || days < 1) throw new Error(`backup retention must be a whole number of days >= 1, got ${days}`);
  return `${days}d`;
}

export interface CnpgClusterArgs {
  /** The add-on releases behind each CRD group: its custom resources depend on them. */
  crds: CrdProviders;
  /** Kubernetes provider of the cluster. */
  provider: k8s.Provider;
  /** Namespace the cluster, its Secrets and backups objects live in. */
  namespace: pulumi.Input<string>;
  /** CloudNativePG Cluster name; Services are `<name>-rw` and `<name>-ro`. */
  clusterName: string;
  /** Instances, resources, storage and connection budget. */
  sizing: DatabaseSizing;
  /** Logical databases the cluster holds, each with its own owner role. */
  databases: DatabaseName[];
  /** StorageClass for data and WAL volumes. */
  storageClass: pulumi.Input<string>;
  /** Node placement of the database tier. */
  placement: Placement;
  /**
   * Days of base backups and WAL kept, i.e. how far back point-in-time recovery reaches (the
   * environment preset's `backupRetentionDays`).
   */
  backupRetentionDays: number;
  /** Quorum-based synchronous replication (production): a commit waits for one standby. */
  synchronous: boolean;
  /** Full PostgreSQL image reference (registry override already applied). */
  imageName: string;
  /** Where barman-cloud writes base backups and WAL. */
  backup: {
    /** S3 endpoint URL of the object store. */
    endpointUrl: pulumi.Input<string>;
    /** Bucket for backups. */
    bucket: pulumi.Input<string>;
    /** Secret (same namespace) holding the S3 access key pair. */
    credentialsSecret: pulumi.Input<string>;
    /** Key in `credentialsSecret` holding the S3 access key ID. */
    accessKeyIdKey: string;
    /** Key in `credentialsSecret` holding the S3 secret access key. */
    secretAccessKeyKey: string;
    /** Secret key (same namespace) with the CA that signs the object store's certificate, where it is private. */
    caSecret?: { name: string; key: string };
  };
  /** Operators and the object store that must exist first. */
  dependsOn: pulumi.Resource[];
  /**
   * Rights of a database's owner beyond login (LI's server: synapse-li's owner creates the sync's
   * databases and its subscription). Default: none.
   */
  ownerRights?: Partial<Record<DatabaseName, OwnerRights>>;
  /** Login roles that own no database (the LI sync's replication role on main). Default: none. */
  extraRoles?: ExtraRole[];
  /**
   * The servers' certificate from this ClusterIssuer (the internal CA) instead of the operator's
   * own CA, naming the -rw, -r and -ro Services, so clients can connect with verify-full against
   * a CA they can be given (`serverTLSSecret`/`serverCASecret`). Default: the operator's CA.
   */
  serverTls?: { issuer: string; issuerReady: pulumi.Resource[] };
}

/** What an owner may do besides owning its database. */
export interface OwnerRights {
  createdb?: boolean;
  /** Predefined roles it is a member of (e.g. pg_create_subscription, PostgreSQL >= 16). */
  inRoles?: string[];
}

/** A login role that owns no database; its password lives only in a basic-auth Secret. */
export interface ExtraRole {
  name: string;
  /** Secret output (@pulumi/random). */
  password: pulumi.Output<string>;
  /** May open replication connections (logical replication's walsender). */
  replication: boolean;
}

/** The managed role of one owner or extra role, as CloudNativePG's `managed.roles` takes it (pure). */
export function managedRole(name: string, secretName: string, rights: OwnerRights & { replication?: boolean } = {}): Record<string, unknown> {
  return {
    name,
    ensure: "present",
    login: true,
    inherit: true,
    ...(rights.createdb ? { createdb: true } : {}),
    ...(rights.replication ? { replication: true } : {}),
    ...(rights.inRoles?.length ? { inRoles: rights.inRoles } : {}),
    passwordSecret: { name: secretName },
  };
}

/** The DNS names of a CloudNativePG cluster's Services (-rw, -r, -ro), short and qualified. */
export function cnpgServiceDnsNames(clusterName: string, namespace: string, clusterDomain = "cluster.local"): string[] {
  return ["rw", "r", "ro"].flatMap((s) => {
    const svc = `${clusterName}-${s}`;
    return [svc, `${svc}.${namespace}`, `${svc}.${namespace}.svc`, `${svc}.${namespace}.svc.${clusterDomain}`];
  });
}

export interface CnpgDatabase {
  database: string;
  user: string;
  /** Secret output. */
  password: pulumi.Output<string>;
  /** basic-auth Secret CloudNativePG reads the role's password from. */
  secretName: string;
}

/**
 * A CloudNativePG cluster: primary + standbys with pod anti-affinity, synchronous quorum
 * replication in production, continuous WAL archiving and daily base backups through the Barman
 * Cloud plugin (retention as given, point-in-time recovery), and one database + owner per consumer
 * declared as `Database` CRs and managed roles.
 */
export class CnpgCluster extends pulumi.ComponentResource {
  readonly host: pulumi.Output<string>;
  readonly readHost: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  readonly databases: Partial<Record<DatabaseName, CnpgDatabase>> = {};
  readonly cluster: k8s.apiextensions.CustomResource;
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: CnpgClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-platform:data:CnpgCluster", name, {}, opts);
    const { provider, clusterName, sizing } = args;
    const childOpts = (dependsOn: pulumi.Input<pulumi.Resource>[] = []): pulumi.CustomResourceOptions => ({ parent: this, provider, dependsOn });
    const labels = standardLabels("postgresql", "database", clusterName);

    // One role per consumer; the password lives only in a basic-auth Secret CloudNativePG reads.
    const roleSecrets: k8s.core.v1.Secret[] = [];
    for (const db of args.databases) {
      const { database, owner } = DATABASE_SPECS[db];
      const password = new random.RandomPassword(`${name}-${db}-password`, { length: 40, special: false }, { parent: this });
      const secretName = `${clusterName}-${owner.replace(/_/g, "-")}`;
      roleSecrets.push(new k8s.core.v1.Secret(`${name}-${db}-role`, {
        metadata: { name: secretName, namespace: args.namespace, labels: { ...labels, "cnpg.io/reload": "true" } },
        type: "kubernetes.io/basic-auth",
        stringData: { username: owner, password: password.result },
      }, childOpts()));
      this.databases[db] = { database, user: owner, password: pulumi.secret(password.result), secretName };
    }
    const extraRoles = (args.extraRoles ?? []).map((role) => {
      const secretName = `${clusterName}-${role.name.replace(/_/g, "-")}`;
      roleSecrets.push(new k8s.core.v1.Secret(`${name}-${role.name}-role`, {
        metadata: { name: secretName, namespace: args.namespace, labels: { ...labels, "cnpg.io/reload": "true" } },
        type: "kubernetes.io/basic-auth",
        stringData: { username: role.name, password: role.password },
      }, childOpts()));
      return managedRole(role.name, secretName, { replication: role.replication });
    });

    const objectStoreName = `${clusterName}-backups`;
    const objectStore = customResource(`${name}-object-store`, {
      apiVersion: "barmancloud.cnpg.io/v1",
      kind: "ObjectStore",
      metadata: { name: objectStoreName, namespace: args.namespace, labels },
      spec: {
        // Base backups and WAL older than this are pruned; PITR reaches back this far.
        retentionPolicy: barmanRetentionPolicy(args.backupRetentionDays),
        configuration: {
          destinationPath: pulumi.interpolate`s3://${args.backup.bucket}/${BACKUP_PREFIX}/`,
          endpointURL: args.backup.endpointUrl,
          ...(args.backup.caSecret ? { endpointCA: args.backup.caSecret } : {}),
          s3Credentials: {
            accessKeyId: { name: args.backup.credentialsSecret, key: args.backup.accessKeyIdKey },
            secretAccessKey: { name: args.backup.credentialsSecret, key: args.backup.secretAccessKeyKey },
          },
          wal: { compression: "gzip", maxParallel: 4 },
          data: { compression: "gzip", jobs: 2 },
        },
      },
    }, childOpts(args.dependsOn), args.crds);

    // The servers' certificate from the internal CA: one Secret holds tls.crt/tls.key and ca.crt,
    // which is what CloudNativePG's serverTLSSecret and serverCASecret each read.
    const serverTlsSecret = `${clusterName}-server-tls`;
    const serverCertificate = args.serverTls
      ? customResource(`${name}-server-tls`, {
          apiVersion: "cert-manager.io/v1",
          kind: "Certificate",
          metadata: { name: serverTlsSecret, namespace: args.namespace, labels },
          spec: {
            secretName: serverTlsSecret,
            commonName: pulumi.interpolate`${clusterName}-rw.${args.namespace}.svc.cluster.local`,
            dnsNames: pulumi.output(args.namespace).apply((ns) => cnpgServiceDnsNames(clusterName, ns)),
            duration: "2160h",
            renewBefore: "720h",
            usages: ["digital signature", "key encipherment", "server auth"],
            privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
            issuerRef: { name: args.serverTls.issuer, kind: "ClusterIssuer", group: "cert-manager.io" },
          },
        }, childOpts([...args.dependsOn, ...args.serverTls.issuerReady]), args.crds)
      : undefined;

    const instances = sizing.instances;
    const synchronous = args.synchronous && instances >= 2;
    const [first, ...rest] = args.databases;
    const firstSpec = DATABASE_SPECS[first];
    const walGi = Math.max(10, Math.ceil(sizing.storageGi / 4));

    this.cluster = customResource(`${name}-cluster`, {
      apiVersion: "postgresql.cnpg.io/v1",
      kind: "Cluster",
      metadata: { name: clusterName, namespace: args.namespace, labels },
      spec: {
        instances,
        imageName: args.imageName,
        // Prefer switchover over restart when a parameter change needs one.
        primaryUpdateStrategy: "unsupervised",
        primaryUpdateMethod: "switchover",
        enableSuperuserAccess: false,
        ...(serverCertificate ? { certificates: { serverTLSSecret: serverTlsSecret, serverCASecret: serverTlsSecret } } : {}),
        postgresql: {
          parameters: {
            ...postgresTuning(sizing.memoryGi, sizing.maxConnections),
            archive_timeout: WAL_ARCHIVE_TIMEOUT,
            // Content the LI copy needs is read through logical decoding (see operations notes).
            wal_level: "logical",
            log_min_duration_statement: "1000",
          },
          ...(synchronous
            ? {
                // Quorum commit: every commit is on at least one standby before it is
                // acknowledged, so a failover loses nothing (RPO 0 inside the cluster). With a
                // single standby, "required" would stop all writes whenever that standby is
                // down (every node drain), so two-instance clusters degrade to async instead.
                synchronous: { method: "any", number: 1, dataDurability: instances >= 3 ? "required" : "preferred" },
              }
            : {}),
        },
        bootstrap: {
          initdb: {
            database: firstSpec.database,
            owner: firstSpec.owner,
            secret: { name: this.databases[first]!.secretName },
            encoding: DATABASE_LOCALE.encoding,
            localeCollate: DATABASE_LOCALE.collate,
            localeCType: DATABASE_LOCALE.ctype,
          },
        },
        managed: {
          roles: [
            // The bootstrap owner is managed too only where it needs rights initdb does not give.
            ...(args.ownerRights?.[first] ? [first] : []),
            ...rest,
          ].map((db) => managedRole(DATABASE_SPECS[db].owner, this.databases[db]!.secretName, args.ownerRights?.[db])).concat(extraRoles),
        },
        storage: { size: `${sizing.storageGi}Gi`, storageClass: args.storageClass },
        walStorage: { size: `${walGi}Gi`, storageClass: args.storageClass },
        resources: {
          // Limits equal to requests: the Guaranteed QoS class CloudNativePG recommends for
          // PostgreSQL, and every container limited (policy/checks.ts requests-and-limits).
          requests: { cpu: String(sizing.vcpu), memory: `${sizing.memoryGi}Gi` },
          limits: { cpu: String(sizing.vcpu), memory: `${sizing.memoryGi}Gi` },
        },
        affinity: {
          // Never two instances on one node in production; spread otherwise when possible.
          enablePodAntiAffinity: true,
          topologyKey: "kubernetes.io/hostname",
          podAntiAffinityType: args.synchronous ? "required" : "preferred",
          nodeSelector: args.placement.nodeSelector,
          tolerations: args.placement.tolerations,
        },
        topologySpreadConstraints: [{
          maxSkew: 1,
          topologyKey: "topology.kubernetes.io/zone",
          whenUnsatisfiable: "ScheduleAnyway",
          labelSelector: { matchLabels: { "cnpg.io/cluster": clusterName } },
        }],
        plugins: [{ name: BARMAN_PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: objectStoreName } }],
        // Take base backups from a standby so the primary's I/O is spared.
        backup: { target: "prefer-standby" },
      },
    }, childOpts([...args.dependsOn, objectStore, ...roleSecrets, ...(serverCertificate ? [serverCertificate] : [])]), args.crds);

    const databases = args.databases.map((db) => customResource(`${name}-${db}-database`, {
      apiVersion: "postgresql.cnpg.io/v1",
      kind: "Database",
      metadata: { name: `${clusterName}-${DATABASE_SPECS[db].database.replace(/_/g, "-")}`, namespace: args.namespace, labels },
      spec: {
        name: DATABASE_SPECS[db].database,
        owner: DATABASE_SPECS[db].owner,
        cluster: { name: clusterName },
        ensure: "present",
        template: "template0",
        encoding: DATABASE_LOCALE.encoding,
        localeCollate: DATABASE_LOCALE.collate,
        localeCType: DATABASE_LOCALE.ctype,
        // Removing the CR from the program must never drop a production database.
        databaseReclaimPolicy: "retain",
      },
    }, childOpts([this.cluster]), args.crds));

    const scheduled = customResource(`${name}-scheduled-backup`, {
      apiVersion: "postgresql.cnpg.io/v1",
      kind: "ScheduledBackup",
      metadata: { name: `${clusterName}-daily`, namespace: args.namespace, labels },
      spec: {
        // Six-field cron (seconds first): every day at 02:00. WAL archiving covers the time
        // between base backups, which is what makes point-in-time recovery possible.
        schedule: "0 0 2 * * *",
        immediate: true,
        backupOwnerReference: "self",
        cluster: { name: clusterName },
        method: "plugin",
        pluginConfiguration: { name: BARMAN_PLUGIN },
      },
    }, childOpts([this.cluster]), args.crds);

    const ns = pulumi.output(args.namespace);
    this.host = pulumi.interpolate`${clusterName}-rw.${ns}.svc.cluster.local`;
    this.readHost = pulumi.interpolate`${clusterName}-ro.${ns}.svc.cluster.local`;
    this.port = pulumi.output(5432);
    this.ready = [this.cluster, ...databases, scheduled];
    this.registerOutputs({ host: this.host, readHost: this.readHost });
  }
}
