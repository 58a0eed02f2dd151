/**
 * LiSync: keeps LI's copy of main's database without ever losing what main deletes
 * (components/li/README.md, "The LI sync").
 *
 * - a publisher Job in main's namespace creates main's insert-only publication (as the owner of
 *   Synapse's tables, on main's primary: a few catalogue statements, no data read);
 * - a setup Job in LI's namespace creates the archive database on LI's server, its tables and
 *   the subscription (whose walsender on main's primary streams only the inserts);
 * - a CronJob refreshes synapse-li's database: a dump of main read from its replica, the archived
 *   rows main has since deleted merged back, sequences fixed, the database swapped in while
 *   synapse-li is scaled to zero;
 * - with monitoring, a postgres_exporter on the archive database exports the subscription's lag
 *   and errors and the refresh runs (`li_sync_*`).
 * The Jobs reach main's replica, LI's server and (the refresh) the Kubernetes API, nothing else.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { LI_SYNC_SQL_FILES, renderSyncScript } from "../../render/li/sync-script";
import { accountsSql, exporterQueriesYaml, mergeSql, publicationSql, runsTableSql, subscriptionSql } from "../../render/li/sync-sql";
import { LI_SYNC_NAMES } from "../../render/li/sync-tables";
import type { WorkloadSizing } from "../../sizing/types";
import type { CrdProviders, NetworkPeer, Placement, PostgresTrust } from "../contracts";
import { caTrustAnnotations, privateCaTrust, type CaTrust } from "../k8s/ca-trust";
import { selectorLabels, standardLabels } from "../k8s/labels";
import { kubeApiPeer, type FlowSpec, type NetworkFlows, type Workload } from "../k8s/network";
import { checksum, resourcesOf, restrictedContainer, restrictedPod } from "../k8s/pod-spec";
import { POSTGRES_EXPORTER_PORT, postgresExporterContainer, type LoginSecret } from "../k8s/postgres-exporter";

/** Names of the sync's objects and pod labels. */
export const LI_SYNC_NAME = "li-sync";
export const LI_SYNC_PUBLISHER_NAME = "li-sync-publisher";
export const LI_SYNC_EXPORTER_NAME = "li-sync-exporter";
/** postgres_exporter's port (in METRICS_PORTS, so Prometheus's egress already covers it). */
export const LI_SYNC_EXPORTER_PORT = POSTGRES_EXPORTER_PORT;
/** A UID of no host user (kube-score, checkov CKV_K8S_40): psql, pg_dump and pg_restore write nothing but /tmp. */
export const LI_SYNC_UID = 10026;
/** Every six hours: the recovery point of synapse-li's view (the archive itself lags by seconds). */
export const DEFAULT_REFRESH_SCHEDULE = "17 */6 * * *";
const SCRIPT_DIR = "/opt/li-sync";

export type { LoginSecret } from "../k8s/postgres-exporter";

export interface LiSyncArgs {
  /** LI's namespace (created by the LI instance; its default-deny policy stands). */
  namespace: string;
  /** Image with psql, pg_dump and pg_restore at least as new as main's server, bash and curl. */
  image: pulumi.Input<string>;
  /** postgres_exporter image; the exporter runs only when given (monitoring deployed). */
  exporterImage?: pulumi.Input<string>;
  /** `sizing.components.liSync`: resources of the Jobs' and the exporter's pods, tier. */
  sizing: WorkloadSizing;
  placement: Placement;
  /** Cron schedule of the refresh; default DEFAULT_REFRESH_SCHEDULE. */
  schedule?: string;
  /** Main's Synapse database. */
  main: {
    /** Read replica (CloudNativePG `-ro`, RDS/Cloud SQL read replica): the dump reads only here. */
    readHost: pulumi.Input<string>;
    /** Primary: the subscription's replication connection (from LI's server) goes here. */
    primaryHost: pulumi.Input<string>;
    port: pulumi.Input<number>;
    database: string;
    /** How the sync's pods verify the read endpoint, and the publisher Job the primary (LiSyncAccess's). */
    readTrust: PostgresTrust;
    primaryTrust: PostgresTrust;
    /** How LI's server verifies the primary on the subscription's connection (LiSyncAccess's). */
    subscriptionTls: { sslMode: PostgresTrust["sslMode"]; sslRootCert?: string };
    /** In LI's namespace: the LI sync's role on main (REPLICATION, SELECT by the publisher's grants). */
    credentials: LoginSecret;
    /** The replica as a network peer: the only address of main's the sync's pods may open. */
    replicaNetwork: NetworkPeer;
  };
  /** Where main's publication is made: main's namespace, primary, and the tables' owner. */
  publisher: {
    namespace: string;
    /** In `namespace`: the owner of Synapse's tables. */
    owner: LoginSecret;
    primaryNetwork: NetworkPeer;
    /** The role the LI sync logs in as on main (granted SELECT). */
    readerRole: string;
    /** The publisher also gives the reader REPLICATION (platforms whose API cannot: Cloud SQL). Default: false. */
    grantReplication?: boolean;
  };
  /** LI's server: synapse-li's database, owned by a role with CREATEDB (and pg_create_subscription). */
  li: {
    host: pulumi.Input<string>;
    port: pulumi.Input<number>;
    database: string;
    /** How the sync's pods and exporter verify LI's server (the `synapseLi` connection's). */
    trust: PostgresTrust;
    /** In LI's namespace: the owner of synapse-li's database. */
    credentials: LoginSecret;
    network: NetworkPeer;
  };
  /** synapse-li's workload, scaled to zero around the swap and back. */
  synapseLi: { kind: "deployments" | "statefulsets"; name: string };
  /** The API server's endpoints (Platform.kubeApi): the refresh scales synapse-li through it. */
  kubeApi: { cidrs: pulumi.Input<string[]>; ports: number[] };
  flows: NetworkFlows;
  provider: k8s.Provider;
  /** CRD providers (the trust Certificates of internal-CA servers). */
  crds: CrdProviders;
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Where the servers' CAs are mounted in the sync's pods (main's read endpoint's, LI's) and the publisher's (main's primary's). */
export const LI_SYNC_CA_DIR = "/etc/li-sync/database-ca";
export const LI_SYNC_CA_FILES = { main: "main-ca.crt", li: "li-ca.crt" } as const;
const verifies = (t: PostgresTrust) => t.sslMode === "verify-ca" || t.sslMode === "verify-full";

/** Where the script reads the API token and CA (render/li/sync-script.ts), as an automounted token would be. */
const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
const API_TOKEN_VOLUME = "api-token";
/** Lifetime of the refresh's API token: the kubelet renews it at 80 %, so a long refresh keeps a valid one. */
export const API_TOKEN_SECONDS = 3600;

/**
 * The refresh pod's API credentials as a projected volume (pure): a bound, expiring token for the
 * API server's audience, the cluster CA, the namespace. Only this pod gets one, where a
 * ServiceAccount's automount would give every container of it the token (checkov CKV_K8S_38).
 */
export function apiTokenVolume(): k8s.types.input.core.v1.Volume {
  return {
    name: API_TOKEN_VOLUME,
    projected: {
      defaultMode: 0o444,
      sources: [
        { serviceAccountToken: { path: "token", expirationSeconds: API_TOKEN_SECONDS } },
        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
        { downwardAPI: { items: [{ path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } }] } },
      ],
    },
  };
}

/** The sync's Job pods, the publisher's and the exporter's, as flow ends. */
export function liSyncWorkloads(namespace: string, mainNamespace: string): Record<"sync" | "publisher" | "exporter", Workload> {
  return {
    sync: { namespace, podLabels: selectorLabels(LI_SYNC_NAME), name: LI_SYNC_NAME },
    publisher: { namespace: mainNamespace, podLabels: selectorLabels(LI_SYNC_PUBLISHER_NAME), name: LI_SYNC_PUBLISHER_NAME },
    exporter: { namespace, podLabels: selectorLabels(LI_SYNC_EXPORTER_NAME), name: LI_SYNC_EXPORTER_NAME },
  };
}

/** The sync's flows (pure): main's replica, LI's server, the API server; the publisher to main's primary. */
export function liSyncFlows(a: Pick<LiSyncArgs, "namespace" | "kubeApi"> & { main: Pick<LiSyncArgs["main"], "replicaNetwork">; publisher: Pick<LiSyncArgs["publisher"], "namespace" | "primaryNetwork">; li: Pick<LiSyncArgs["li"], "network"> }, exporter: boolean): FlowSpec[] {
  const w = liSyncWorkloads(a.namespace, a.publisher.namespace);
  const api = kubeApiPeer(a.kubeApi);
  return [
    { from: w.sync, to: a.main.replicaNetwork, description: "LI sync -> main's PostgreSQL replica (schema and the refresh's dump)" },
    { from: w.sync, to: a.li.network, description: "LI sync -> LI's PostgreSQL (archive, next database, swap)" },
    { from: w.sync, to: api.to, ports: api.ports, description: "LI sync -> Kubernetes API (scales synapse-li around the swap)" },
    { from: w.publisher, to: a.publisher.primaryNetwork, description: "LI publisher -> main's PostgreSQL primary (the insert-only publication)" },
    ...(exporter ? [{ from: w.exporter, to: a.li.network, description: "LI sync exporter -> LI's PostgreSQL (subscription and refresh statistics)" }] : []),
    // The subscription's connection, where LI's server is pods of this cluster (CloudNativePG); on
    // the clouds the two managed servers meet in their own network (security group, private range).
    ...(a.li.network.kind === "pods"
      ? [{ from: { namespace: a.li.network.namespace, podLabels: a.li.network.podLabels, name: "li-postgres" }, to: a.publisher.primaryNetwork, description: "LI's PostgreSQL -> main's primary (the subscription's walsender connection)" }]
      : []),
  ];
}

/** The files the sync's pods mount (pure): the script and its SQL. */
export function liSyncFiles(): Record<string, string> {
  return {
    "li-sync": renderSyncScript(),
    [LI_SYNC_SQL_FILES.merge]: mergeSql(),
    [LI_SYNC_SQL_FILES.accounts]: accountsSql(),
    [LI_SYNC_SQL_FILES.subscription]: subscriptionSql(),
    [LI_SYNC_SQL_FILES.runs]: runsTableSql(),
  };
}

/** The environment of the sync's container (pure): endpoints as values, passwords from Secrets, CA files where a server is verified. */
export function liSyncEnv(a: Pick<LiSyncArgs, "main" | "li" | "synapseLi" | "namespace">): k8s.types.input.core.v1.EnvVar[] {
  const fromSecret = (s: LoginSecret, key: string) => ({ valueFrom: { secretKeyRef: { name: s.name, key } } });
  const sub = a.main.subscriptionTls;
  return [
    { name: "MAIN_READ_HOST", value: a.main.readHost },
    { name: "MAIN_PRIMARY_HOST", value: a.main.primaryHost },
    { name: "MAIN_PORT", value: pulumi.output(a.main.port).apply(String) },
    { name: "MAIN_DATABASE", value: a.main.database },
    { name: "MAIN_USER", ...fromSecret(a.main.credentials, a.main.credentials.userKey) },
    { name: "MAIN_PASSWORD", ...fromSecret(a.main.credentials, a.main.credentials.passwordKey) },
    { name: "MAIN_SSLMODE", value: a.main.readTrust.sslMode },
    ...(verifies(a.main.readTrust) ? [{ name: "MAIN_SSLROOTCERT", value: `${LI_SYNC_CA_DIR}/${LI_SYNC_CA_FILES.main}` }] : []),
    { name: "MAIN_SUBSCRIPTION_SSLMODE", value: sub.sslMode },
    ...(sub.sslRootCert ? [{ name: "MAIN_SUBSCRIPTION_SSLROOTCERT", value: sub.sslRootCert }] : []),
    { name: "LI_HOST", value: a.li.host },
    { name: "LI_PORT", value: pulumi.output(a.li.port).apply(String) },
    { name: "LI_DATABASE", value: a.li.database },
    { name: "LI_USER", ...fromSecret(a.li.credentials, a.li.credentials.userKey) },
    { name: "LI_PASSWORD", ...fromSecret(a.li.credentials, a.li.credentials.passwordKey) },
    { name: "LI_SSLMODE", value: a.li.trust.sslMode },
    ...(verifies(a.li.trust) ? [{ name: "LI_SSLROOTCERT", value: `${LI_SYNC_CA_DIR}/${LI_SYNC_CA_FILES.li}` }] : []),
    { name: "SQL_DIR", value: SCRIPT_DIR },
    { name: "LI_WORKLOAD", value: `${a.synapseLi.kind}/${a.synapseLi.name}` },
    { name: "LI_NAMESPACE", value: a.namespace },
    // psql keeps no history and reads no rc file (-X), but wants a writable home.
    { name: "HOME", value: "/tmp" },
  ];
}

export class LiSync extends pulumi.ComponentResource {
  /** The CronJob's name (`kubectl create job --from=cronjob/<name>` runs a refresh now). */
  readonly refreshCronJob: string;

  constructor(name: string, args: LiSyncArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("matrix-platform:li:LiSync", name, {}, opts);
    const child = { parent: this, provider: args.provider, dependsOn: args.dependsOn ?? [] };
    const ns = args.namespace;
    const labels = standardLabels(LI_SYNC_NAME, "li-sync");
    const selector = selectorLabels(LI_SYNC_NAME);
    const s = args.sizing;
    const placement = args.placement;

    // The servers' CAs where they are verified: main's read endpoint's and LI's in this namespace
    // (the sync's pods, the exporter), main's primary's in main's (the publisher Job).
    const trust = (key: string, t: PostgresTrust, namespace: string, file: string): CaTrust | undefined =>
      verifies(t) ? privateCaTrust(`${name}-${key}-ca`, t, { namespace, objectName: `${key === "publisher" ? LI_SYNC_PUBLISHER_NAME : LI_SYNC_NAME}-${key === "li" ? "li" : "main"}-ca`, file, component: "li-sync" }, child, args.crds) : undefined;
    const mainCa = trust("main", args.main.readTrust, ns, LI_SYNC_CA_FILES.main);
    const liCa = trust("li", args.li.trust, ns, LI_SYNC_CA_FILES.li);
    const publisherCa = trust("publisher", args.main.primaryTrust, args.publisher.namespace, LI_SYNC_CA_FILES.main);
    const caVolume = (cas: (CaTrust | undefined)[]): k8s.types.input.core.v1.Volume[] => {
      const sources = cas.filter((c): c is CaTrust => c !== undefined).map((c) => c.source);
      return sources.length > 0 ? [{ name: "database-ca", projected: { defaultMode: 0o444, sources } }] : [];
    };
    const caMount = (cas: (CaTrust | undefined)[]) => (cas.some((c) => c !== undefined) ? [{ name: "database-ca", mountPath: LI_SYNC_CA_DIR, readOnly: true }] : []);
    const caReady = (cas: (CaTrust | undefined)[]) => cas.filter((c): c is CaTrust => c !== undefined).map((c) => c.resource);

    const files = liSyncFiles();
    const scripts = new k8s.core.v1.ConfigMap(`${name}-scripts`, { metadata: { name: LI_SYNC_NAME, namespace: ns, labels }, data: files }, child);
    const filesChecksum = checksum(...Object.values(files));

    // The refresh may scale synapse-li and read its scale; nothing else of the API.
    const sa = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: { name: LI_SYNC_NAME, namespace: ns, labels }, automountServiceAccountToken: false }, child);
    const role = new k8s.rbac.v1.Role(`${name}-role`, {
      metadata: { name: LI_SYNC_NAME, namespace: ns, labels },
      rules: [{ apiGroups: ["apps"], resources: [`${args.synapseLi.kind}/scale`], resourceNames: [args.synapseLi.name], verbs: ["get", "patch"] }],
    }, child);
    new k8s.rbac.v1.RoleBinding(`${name}-rolebinding`, {
      metadata: { name: LI_SYNC_NAME, namespace: ns, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
      subjects: [{ kind: "ServiceAccount", name: sa.metadata.name, namespace: ns }],
    }, child);

    const syncPod = (command: string, withApi: boolean): k8s.types.input.core.v1.PodTemplateSpec => {
      const pod = restrictedPod({
        uid: LI_SYNC_UID,
        placement,
        selector,
        serviceAccountName: withApi ? LI_SYNC_NAME : undefined,
        volumes: [
          { name: "scripts", configMap: { name: scripts.metadata.name, defaultMode: 0o555 } },
          ...(withApi ? [apiTokenVolume()] : []),
          ...caVolume([mainCa, liCa]),
        ],
        containers: [restrictedContainer({
          name: LI_SYNC_NAME,
          image: args.image,
          command: ["bash", `${SCRIPT_DIR}/li-sync`, command],
          env: liSyncEnv(args),
          // The dump streams into pg_restore: no scratch volume, whatever the database's size.
          resources: resourcesOf(s.resources),
          volumeMounts: [
            { name: "tmp", mountPath: "/tmp" },
            { name: "scripts", mountPath: SCRIPT_DIR, readOnly: true },
            ...(withApi ? [{ name: API_TOKEN_VOLUME, mountPath: SERVICE_ACCOUNT_DIR, readOnly: true }] : []),
            ...caMount([mainCa, liCa]),
          ],
        }, LI_SYNC_UID)],
      });
      // No automounted token (restrictedPod turns it off): the refresh's own projected one instead.
      return {
        metadata: { labels, annotations: { "matrix-platform.io/config-checksum": filesChecksum, ...caTrustAnnotations(mainCa, liCa) } },
        spec: { ...pod, restartPolicy: "Never" },
      };
    };

    // Main's publication first: the subscription names it.
    const pubLabels = standardLabels(LI_SYNC_PUBLISHER_NAME, "li-sync");
    const pubSql = publicationSql(args.publisher.readerRole, undefined, { grantReplication: args.publisher.grantReplication });
    const pubConfig = new k8s.core.v1.ConfigMap(`${name}-publication`, { metadata: { name: LI_SYNC_PUBLISHER_NAME, namespace: args.publisher.namespace, labels: pubLabels }, data: { "publication.sql": pubSql } }, child);
    const owner = args.publisher.owner;
    const publisher = new k8s.batch.v1.Job(`${name}-publisher`, {
      metadata: { name: `${LI_SYNC_PUBLISHER_NAME}-${checksum(pubSql).slice(0, 8)}`, namespace: args.publisher.namespace, labels: pubLabels },
      spec: {
        // Synapse creates its tables at its first start: until then the SQL fails and is retried.
        backoffLimit: 30,
        ttlSecondsAfterFinished: undefined,
        template: {
          // The SQL is in the Job's name already; the CA rolls it too.
          metadata: { labels: pubLabels, annotations: { "matrix-platform.io/config-checksum": checksum(pubSql), ...caTrustAnnotations(publisherCa) } },
          spec: {
            ...restrictedPod({
              uid: LI_SYNC_UID,
              placement,
              selector: selectorLabels(LI_SYNC_PUBLISHER_NAME),
              volumes: [{ name: "sql", configMap: { name: pubConfig.metadata.name } }, ...caVolume([publisherCa])],
              containers: [restrictedContainer({
                name: "psql",
                image: args.image,
                command: ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-f", "/sql/publication.sql"],
                env: [
                  { name: "PGHOST", value: args.main.primaryHost },
                  { name: "PGPORT", value: pulumi.output(args.main.port).apply(String) },
                  { name: "PGDATABASE", value: args.main.database },
                  { name: "PGSSLMODE", value: args.main.primaryTrust.sslMode },
                  ...(publisherCa ? [{ name: "PGSSLROOTCERT", value: `${LI_SYNC_CA_DIR}/${LI_SYNC_CA_FILES.main}` }] : []),
                  { name: "PGUSER", valueFrom: { secretKeyRef: { name: owner.name, key: owner.userKey } } },
                  { name: "PGPASSWORD", valueFrom: { secretKeyRef: { name: owner.name, key: owner.passwordKey } } },
                  { name: "HOME", value: "/tmp" },
                ],
                resources: { requests: { cpu: "50m", memory: "64Mi", "ephemeral-storage": "16Mi" }, limits: { cpu: "500m", memory: "128Mi", "ephemeral-storage": "64Mi" } },
                volumeMounts: [{ name: "tmp", mountPath: "/tmp" }, { name: "sql", mountPath: "/sql", readOnly: true }, ...caMount([publisherCa])],
              }, LI_SYNC_UID)],
            }),
            restartPolicy: "OnFailure",
          },
        },
      },
    }, { ...child, dependsOn: [...(args.dependsOn ?? []), ...caReady([publisherCa])], deleteBeforeReplace: true });

    // The archive and the subscription; `pulumi up` does not wait for it (main may be starting).
    new k8s.batch.v1.Job(`${name}-setup`, {
      metadata: { name: `${LI_SYNC_NAME}-setup-${filesChecksum.slice(0, 8)}`, namespace: ns, labels, annotations: { "pulumi.com/skipAwait": "true" } },
      spec: { backoffLimit: 20, template: syncPod("ensure", false) },
    }, { ...child, dependsOn: [...(args.dependsOn as pulumi.Resource[] ?? []), publisher, ...caReady([mainCa, liCa])], deleteBeforeReplace: true });

    const cron = new k8s.batch.v1.CronJob(`${name}-refresh`, {
      metadata: { name: `${LI_SYNC_NAME}-refresh`, namespace: ns, labels },
      spec: {
        schedule: args.schedule ?? DEFAULT_REFRESH_SCHEDULE,
        timeZone: "Etc/UTC",
        // A refresh never overlaps another: the next waits for the schedule after this one ends.
        concurrencyPolicy: "Forbid",
        startingDeadlineSeconds: 3600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels },
          spec: {
            // A failed refresh leaves synapse-li on its last good copy; the next schedule retries.
            backoffLimit: 0,
            template: syncPod("refresh", true),
          },
        },
      },
    }, child);

    if (args.exporterImage) {
      const exLabels = standardLabels(LI_SYNC_EXPORTER_NAME, "li-sync");
      const exSelector = selectorLabels(LI_SYNC_EXPORTER_NAME);
      const queries = exporterQueriesYaml();
      const exConfig = new k8s.core.v1.ConfigMap(`${name}-exporter`, { metadata: { name: LI_SYNC_EXPORTER_NAME, namespace: ns, labels: exLabels }, data: { "queries.yaml": queries } }, child);
      new k8s.apps.v1.Deployment(`${name}-exporter`, {
        metadata: { name: LI_SYNC_EXPORTER_NAME, namespace: ns, labels: exLabels },
        spec: {
          replicas: 1,
          selector: { matchLabels: exSelector },
          template: {
            metadata: { labels: exLabels, annotations: { "matrix-platform.io/config-checksum": checksum(queries) } },
            spec: restrictedPod({
              uid: LI_SYNC_UID,
              placement,
              selector: exSelector,
              volumes: [{ name: "queries", configMap: { name: exConfig.metadata.name } }, ...caVolume([liCa])],
              containers: [postgresExporterContainer({
                image: args.exporterImage,
                uid: LI_SYNC_UID,
                args: ["--extend.query-path=/etc/li-sync-exporter/queries.yaml", "--disable-settings-metrics"],
                host: args.li.host,
                port: args.li.port,
                database: LI_SYNC_NAMES.archiveDatabase,
                sslMode: args.li.trust.sslMode,
                ...(liCa ? { caFile: `${LI_SYNC_CA_DIR}/${LI_SYNC_CA_FILES.li}` } : {}),
                credentials: args.li.credentials,
                volumeMounts: [{ name: "queries", mountPath: "/etc/li-sync-exporter", readOnly: true }, ...caMount([liCa])],
              })],
            }),
          },
        },
      }, child);
    }

    args.flows.allowAll(liSyncFlows(args, args.exporterImage !== undefined), { namePrefix: "li-sync", parent: this });
    this.refreshCronJob = `${LI_SYNC_NAME}-refresh`;
    this.registerOutputs({ refreshCronJob: cron.metadata.name });
  }
}
