/**
 * SynapseCluster: Synapse main + every worker type of the catalogue + HAProxy in front, as
 * Kubernetes workloads. A thin shell over render/synapse and render/haproxy: the configs are
 * rendered there, this file only turns them into ConfigMaps, Secrets and pods.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { caVolume, trustCertificate } from "../k8s/internal-ca";
import { caTrustAnnotations, privateCaTrust } from "../k8s/ca-trust";
import { SYNAPSE_REDIS_PROXY } from "../../render/redis/synapse-redis-proxy";
import { redisProxyContainer, synapseRedisProxyConfig } from "./redis-proxy";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { WORKER_TYPES, hasStableNames, type WorkerType } from "../../catalog/workers";
import type { PlatformSpec } from "../../config/spec";
import type { Sizing, WorkloadSizing } from "../../sizing/types";
import {
  DEFAULT_SYNAPSE_PATHS,
  MAIN_SERVICE,
  SYNAPSE_PORTS,
  workerServiceName,
  mainInstance,
  serviceDnsName,
  instanceCountsFromSizing,
  planInstances,
  renderAwsConfig,
  OBJECT_STORE_CA_PATH,
  renderHomeserverConfig,
  renderLogConfig,
  renderWorkerConfig,
  signingKeyId,
  synapseSigningKey,
  toYaml,
  type SynapseInstance,
  type SynapseRenderInput,
} from "../../render/synapse";
import { synapseDeploymentInput } from "../../render/synapse/deployment";
import { standardLabels, selectorLabels } from "../k8s/labels";
import { projectImage, type Platform } from "../contracts";
import { checksum, httpProbe, resourcesOf, restrictedContainer, restrictedPod } from "../k8s/pod-spec";
import { SynapseHaproxy } from "./haproxy";
import { pgpassLine, SYNAPSE_UID } from "../k8s/synapse-pod";
import { cpuAutoscalerSpec } from "../k8s/autoscaling";
import { internalMtlsOn } from "../../catalog/internal-tls";
import { imageRef } from "../../catalog/images";
import { haproxyTlsVolume, internalCertificate, mtlsProxyConfig, mtlsProxyContainer, serverCertificateSecret } from "./mtls";
import { disruptionBudgetSpec } from "../k8s/disruption-budget";

export { pgpassLine, SYNAPSE_UID } from "../k8s/synapse-pod";

export interface SynapseClusterArgs {
  /** Validated platform spec: server name, hosts, features, upload limit, retention, image registry. */
  spec: PlatformSpec;
  /** Sizing: instance counts and HPA bounds per worker type, resources, HAProxy replicas. */
  sizing: Sizing;
  /** The platform: database, Redis, object store, node placement and the Kubernetes provider. */
  platform: Platform;
  /** Namespace to deploy into; pass the StackNamespace's `name` output so objects wait for it. */
  namespace: pulumi.Input<string>;
  /** Plain namespace name (for cluster DNS names in configs); NAMESPACES.matrix. */
  namespaceName: string;
  /** Appservice registration files (YAML text, secret) keyed by file name; mounted for every Synapse process. */
  appservices?: Record<string, pulumi.Input<string>>;
  /** TURN shared secret (secret) that coturn also uses; TURN is not configured without it. */
  turnSharedSecret?: pulumi.Input<string>;
  /** Sygnal's Service address when push is deployed: the one private address pushers may post to. */
  pushGatewayAddress?: pulumi.Input<string>;
  /**
   * While LI is deployed: key_vault's service token (secret; mounted for the key-store module)
   * and the LI public key the module serves to clients (components/li/key-vault-credentials.ts).
   */
  keyVault?: { serviceToken: pulumi.Input<string>; publicKeyPem: pulumi.Input<string> };
  /** The scan workers' bearer token (secret) when antivirus is deployed (the scan module's `token_path`). */
  scanWorkerToken?: pulumi.Input<string>;
}

/** Labels of a Synapse process type (main or a worker type). */
export function synapseLabels(typeName: string): Record<string, string> {
  return standardLabels(`synapse-${typeName}`, "synapse");
}
export function synapseSelector(typeName: string): Record<string, string> {
  return selectorLabels(`synapse-${typeName}`);
}

/** Shell start-up: copy the pgpass to a 0600 file (libpq refuses group-readable ones), name the worker, exec Synapse. */
export function synapseCommand(instance: "main" | { workerFile: string; podNamed: boolean }): string[] {
  const pre = [
    "set -eu",
    `cp /etc/synapse/db/pgpass ${DEFAULT_SYNAPSE_PATHS.pgpass}`,
    `chmod 0600 ${DEFAULT_SYNAPSE_PATHS.pgpass}`,
  ];
  const hs = `${DEFAULT_SYNAPSE_PATHS.configDir}/homeserver.yaml`;
  if (instance === "main") return ["/bin/sh", "-c", [...pre, `exec python -m synapse.app.homeserver -c ${hs}`].join("\n")];
  return ["/bin/sh", "-c", [
    ...pre,
    // Pool pods are interchangeable: each takes its pod name as worker_name (unique per process).
    `printf 'worker_name: %s\\n' "$POD_NAME" > /run/synapse/instance.yaml`,
    `exec python -m synapse.app.generic_worker -c ${hs} -c ${instance.workerFile} -c /run/synapse/instance.yaml`,
  ].join("\n")];
}

/**
 * Sidecar that keeps a media worker's local store a bounded cache: files untouched for six hours
 * are deleted (they are in the bucket already: store_synchronous), Synapse fetches them back from
 * the provider when asked.
 */
export function mediaCachePruner(image: pulumi.Input<string>): k8s.types.input.core.v1.Container {
  const dir = DEFAULT_SYNAPSE_PATHS.mediaStore;
  return restrictedContainer({
    name: "media-cache-pruner",
    image,
    command: ["/bin/sh", "-c", `while true; do find ${dir} -type f -mmin +360 -delete; find ${dir} -mindepth 1 -type d -empty -delete; sleep 600; done`],
    resources: resourcesOf({ cpuRequestMillis: 10, cpuLimitMillis: 100, memoryRequestMi: 32, memoryLimitMi: 64 }, 1),
    volumeMounts: [{ name: "media", mountPath: dir }],
    livenessProbe: { exec: { command: ["/bin/sh", "-c", `test -d ${dir}`] }, periodSeconds: 60 },
    readinessProbe: { exec: { command: ["/bin/sh", "-c", `test -w ${dir}`] }, periodSeconds: 60 },
  }, SYNAPSE_UID);
}

export class SynapseCluster extends pulumi.ComponentResource {
  /** Worker instances rendered (stable names; pools counted at their sized replicas). */
  readonly instances: SynapseInstance[];
  /** Name of main's Service (client/federation 8008, replication 9093, metrics 9000). */
  readonly mainServiceName: string;
  /** HAProxy in front of everything. */
  readonly haproxy: SynapseHaproxy;
  /** Published signing key ID (ed25519:a_XXXX). */
  readonly signingKeyId: pulumi.Output<string>;
  /** registration_shared_secret (secret), for admin bootstrap. */
  readonly registrationSharedSecret: pulumi.Output<string>;

  constructor(name: string, args: SynapseClusterArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("matrix-platform:matrix:SynapseCluster", name, {}, opts);
    const { spec, sizing, platform } = args;
    const ns = args.namespace;
    const child = { parent: this, provider: platform.provider };
    const placement = platform.placement("homeserver");
    // The project's Synapse image (images/synapse): upstream Synapse with the S3 storage provider
    // and the repository's modules installed, so no pod installs anything when it starts.
    const image = projectImage(platform, "synapse");

    // ----- topology
    this.instances = planInstances(instanceCountsFromSizing(sizing));
    this.mainServiceName = MAIN_SERVICE;
    // Mutual TLS with HAProxy: a proxy in every pod, Synapse's HTTP listener on 127.0.0.1 behind it.
    const mtls = internalMtlsOn(spec);
    // Redis over TLS goes through a verifying proxy in each pod: Synapse's own TLS does not verify.
    const redisProxied = platform.redis.tls;
    const internalIssuer = platform.internalCaIssuer;
    if (mtls && internalIssuer === undefined) throw new Error("internalMtls is on, but the platform runs no internal CA to issue the HAProxy <-> Synapse certificates");

    // ----- secrets (random values from @pulumi/random, the signing key from @pulumi/tls)
    const rand = (key: string) => new random.RandomPassword(`${name}-${key}`, { length: 64, special: false }, { parent: this }).result;
    const macaroon = rand("macaroon");
    const registration = rand("registration");
    const form = rand("form");
    const replication = rand("replication");
    // The server name and the signing key are the homeserver's identity: every user ID and event
    // carries the name, and federating servers pin the key. Both are protected, so a change that
    // would replace them is refused at preview time (the identity resource is replaced exactly when
    // the server name changes) unless the stack sets allowIdentityChange.
    const identity = { parent: this, protect: !spec.allowIdentityChange };
    new random.RandomId(`${name}-server-identity`, { byteLength: 8, keepers: { serverName: spec.serverName } }, identity);
    const signing = new tls.PrivateKey(`${name}-signing-key`, { algorithm: "ED25519" }, { ...identity, additionalSecretOutputs: ["privateKeyPem"] });
    // The key ID is public (served at /_matrix/key/v2/server); only the key itself is secret.
    this.signingKeyId = pulumi.unsecret(signing.privateKeyPem.apply((pem) => signingKeyId(pem)));
    this.registrationSharedSecret = pulumi.secret(registration);

    const secretData: Record<string, pulumi.Input<string>> = {
      macaroon_secret_key: macaroon,
      registration_shared_secret: registration,
      form_secret: form,
      worker_replication_secret: replication,
      redis_password: platform.redis.password,
    };
    if (args.turnSharedSecret) secretData.turn_shared_secret = args.turnSharedSecret;
    if (args.keyVault) secretData.key_vault_token = args.keyVault.serviceToken;
    if (args.scanWorkerToken) secretData.scan_worker_token = args.scanWorkerToken;
    const meta = (objName: string, component = "synapse") => ({ name: objName, namespace: ns, labels: standardLabels(objName, component) });
    const secrets = new k8s.core.v1.Secret(`${name}-secrets`, {
      metadata: meta("synapse-secrets"),
      type: "Opaque",
      stringData: pulumi.secret(pulumi.output(secretData)) as pulumi.Output<Record<string, string>>,
    }, child);
    const signingSecret = new k8s.core.v1.Secret(`${name}-signing-key`, {
      metadata: meta("synapse-signing-key"),
      type: "Opaque",
      stringData: pulumi.secret(signing.privateKeyPem.apply((pem) => ({ "signing.key": synapseSigningKey(pem) }))),
    }, child);
    const db = platform.databases.synapse;
    const dbSecret = new k8s.core.v1.Secret(`${name}-db`, {
      metadata: meta("synapse-db"),
      type: "Opaque",
      stringData: pulumi.secret(pulumi.all([db.host, db.port, db.user, db.password]).apply(([h, p, u, pw]) => ({ pgpass: pgpassLine(h, p, db.database, u, pw) }))),
    }, child);
    const appserviceSecret = args.appservices && Object.keys(args.appservices).length > 0
      ? new k8s.core.v1.Secret(`${name}-appservices`, {
          metadata: meta("synapse-appservices"),
          type: "Opaque",
          stringData: pulumi.secret(pulumi.output(args.appservices)) as pulumi.Output<Record<string, string>>,
        }, child)
      : undefined;
    const creds = platform.objectStore.credentials;
    const s3Secret = creds
      ? new k8s.core.v1.Secret(`${name}-media-s3`, {
          metadata: meta("synapse-media-s3"),
          type: "Opaque",
          stringData: pulumi.secret(pulumi.all([creds.accessKeyId, creds.secretAccessKey]).apply(([id, key]) => ({
            credentials: `[default]\naws_access_key_id = ${id}\naws_secret_access_key = ${key}\n`,
          }))),
        }, child)
      : undefined;

    // ----- rendered configuration (no secret in it: only paths)
    const renderInput = pulumi
      .all([pulumi.unsecret(db.host), pulumi.unsecret(db.port), pulumi.unsecret(db.user), pulumi.unsecret(platform.redis.host), pulumi.unsecret(platform.redis.port), pulumi.unsecret(platform.objectStore.endpoint), pulumi.unsecret(platform.objectStore.buckets.media), pulumi.all([args.pushGatewayAddress, args.keyVault?.publicKeyPem])])
      .apply(([dbHost, dbPort, dbUser, redisHost, redisPort, s3Endpoint, bucket, [pushGatewayAddress, keyVaultPublicKeyPem]]): SynapseRenderInput => synapseDeploymentInput({
        spec,
        sizing,
        instances: this.instances,
        namespace: args.namespaceName,
        endpoints: {
          database: { host: dbHost, port: dbPort, database: db.database, user: dbUser, sslMode: db.sslMode, maxConnections: db.maxConnections, privateCa: db.caIssuer !== undefined || db.caCertificate !== undefined },
          // Over TLS, Synapse dials its pod's verifying proxy in plain TCP (components/matrix/redis-proxy.ts).
          redis: redisProxied ? { host: SYNAPSE_REDIS_PROXY.host, port: SYNAPSE_REDIS_PROXY.port, tls: false } : { host: redisHost, port: redisPort, tls: false },
          objectStore: { bucket, endpoint: s3Endpoint, region: platform.objectStore.region, forcePathStyle: platform.objectStore.forcePathStyle, privateCa: platform.objectStore.privateCaIssuer !== undefined },
        },
        appserviceFiles: Object.keys(args.appservices ?? {}),
        turn: args.turnSharedSecret !== undefined,
        pushGatewayAddress,
        keyVaultPublicKeyPem,
      }));
    const homeserverYaml = renderInput.apply((i) => toYaml(renderHomeserverConfig(i), "Generated by matrix-platform from catalog/workers.ts; edit the program, not this file."));
    const logYaml = toYaml(renderLogConfig());
    const config = new k8s.core.v1.ConfigMap(`${name}-config`, {
      metadata: meta("synapse-config"),
      data: { "homeserver.yaml": homeserverYaml, "log.yaml": logYaml },
    }, child);
    const awsConfig = platform.objectStore.forcePathStyle
      ? new k8s.core.v1.ConfigMap(`${name}-aws-config`, { metadata: meta("synapse-aws-config"), data: { config: renderAwsConfig(platform.objectStore.privateCaIssuer ? OBJECT_STORE_CA_PATH : undefined) } }, child)
      : undefined;
    // The object store's private CA, as ca.crt of a Certificate in this namespace (media workers only).
    const objectStoreCa = platform.objectStore.privateCaIssuer
      ? trustCertificate(`${name}-object-store-ca`, { namespace: ns, secretName: "synapse-object-store-ca", issuer: platform.objectStore.privateCaIssuer }, child, platform.crdProviders)
      : undefined;
    // The database server's private CA (verify-full), as ca.crt of a Certificate in this namespace.
    // The database server's CA (the internal CA's for verify-full, Cloud SQL's PEM for verify-ca), as ca.crt.
    const databaseCa = privateCaTrust(`${name}-database-ca`, db, { namespace: ns, objectName: "synapse-database-ca", file: "ca.crt", component: "synapse" }, child, platform.crdProviders);
    // The Redis server's private CA (Memorystore's PEM, the in-cluster Redis's issuer) as ca.crt.
    const redisCa = privateCaTrust(`${name}-redis-ca`, platform.redis, { namespace: ns, objectName: "synapse-redis-ca", file: "ca.crt", component: "synapse" }, child, platform.crdProviders);
    if (redisProxied && !redisCa) throw new Error("Redis speaks TLS, but the platform names no CA to verify it against (RedisEndpoint.caCertificate or caIssuer)");
    const redisProxyText = redisProxied ? synapseRedisProxyConfig(platform.redis) : undefined;
    const redisProxyMap = redisProxyText
      ? new k8s.core.v1.ConfigMap(`${name}-redis-proxy`, { metadata: meta("synapse-redis-proxy"), data: { "haproxy.cfg": redisProxyText } }, child)
      : undefined;

    // The proxies' config (the same in every pod) and one server certificate per Service, naming
    // the Service's DNS name HAProxy verifies (render/synapse serviceDnsName).
    const proxyConfigText = mtls ? mtlsProxyConfig() : undefined;
    const proxyConfig = proxyConfigText !== undefined
      ? new k8s.core.v1.ConfigMap(`${name}-mtls-proxy`, { metadata: meta("synapse-mtls-proxy"), data: { "haproxy.cfg": proxyConfigText } }, child)
      : undefined;
    const serverCertificate = (resource: string, service: string, dnsName: string) => internalCertificate(`${name}-${resource}-mtls`, {
      namespace: ns, secretName: serverCertificateSecret(service), issuer: internalIssuer!, commonName: dnsName, dnsNames: [dnsName], usage: "server auth", component: "synapse",
    }, { ...child, dependsOn: platform.ready }, platform.crdProviders);
    const proxyImage = imageRef("haproxy", spec.imageRegistry);

    // ----- service accounts: one for Synapse, one with object-store identity for the media workers
    const sa = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: meta("synapse"), automountServiceAccountToken: false }, child);
    const mediaSa = new k8s.core.v1.ServiceAccount(`${name}-media-sa`, {
      metadata: { ...meta("synapse-media"), annotations: platform.objectStore.serviceAccountAnnotations["synapse-media"] ?? {} },
      automountServiceAccountToken: false,
    }, child);

    const baseVolumes = (): k8s.types.input.core.v1.Volume[] => [
      { name: "conf", configMap: { name: config.metadata.name } },
      { name: "secrets", secret: { secretName: secrets.metadata.name, defaultMode: 0o440 } },
      { name: "signing-key", secret: { secretName: signingSecret.metadata.name, defaultMode: 0o440 } },
      { name: "db", secret: { secretName: dbSecret.metadata.name, defaultMode: 0o440 } },
      { name: "run", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } },
      ...(appserviceSecret ? [{ name: "appservices", secret: { secretName: appserviceSecret.metadata.name, defaultMode: 0o440 } }] : []),
      ...(redisCa ? [{ name: "redis-ca", projected: { defaultMode: 0o444, sources: [redisCa.source] } }] : []),
      ...(redisProxyMap ? [{ name: "redis-proxy-config", configMap: { name: redisProxyMap.metadata.name } }] : []),
      ...(databaseCa ? [{ name: "database-ca", projected: { defaultMode: 0o444, sources: [databaseCa.source] } }] : []),
    ];
    const baseMounts = (): k8s.types.input.core.v1.VolumeMount[] => [
      { name: "conf", mountPath: DEFAULT_SYNAPSE_PATHS.configDir, readOnly: true },
      { name: "secrets", mountPath: "/etc/synapse/secrets", readOnly: true },
      { name: "signing-key", mountPath: "/etc/synapse/keys", readOnly: true },
      { name: "db", mountPath: "/etc/synapse/db", readOnly: true },
      { name: "run", mountPath: "/run/synapse" },
      { name: "tmp", mountPath: "/tmp" },
      ...(appserviceSecret ? [{ name: "appservices", mountPath: DEFAULT_SYNAPSE_PATHS.appserviceDir, readOnly: true }] : []),
      ...(databaseCa ? [{ name: "database-ca", mountPath: DEFAULT_SYNAPSE_PATHS.databaseCa.replace(/\/ca\.crt$/, ""), readOnly: true }] : []),
    ];
    const configChecksum = pulumi.all([homeserverYaml]).apply(([hs]) => checksum(hs, logYaml));

    const podTemplate = (typeName: string, t: WorkerType | undefined, command: string[], sizingOf: WorkloadSizing, extra: { volumes?: k8s.types.input.core.v1.Volume[]; mounts?: k8s.types.input.core.v1.VolumeMount[]; workerChecksum?: pulumi.Input<string>; tlsSecret?: string }) => {
      const media = t?.mediaRepository === true;
      const named = t === undefined || (hasStableNames(t) && t.resources.includes("replication"));
      if (mtls && extra.tlsSecret === undefined) throw new Error(`internalMtls is on, but the ${typeName} pods got no server certificate`);
      // Behind the proxy the HTTP listener is the pod's own (127.0.0.1): no port of it is published,
      // and the probes reach it through the proxy's health port.
      const trafficProbePort = mtls ? "proxy-health" : "http";
      const ports: k8s.types.input.core.v1.ContainerPort[] = [
        ...(mtls ? [] : [{ name: "http", containerPort: SYNAPSE_PORTS.http }]),
        ...(named ? [{ name: "replication", containerPort: SYNAPSE_PORTS.replication }] : []),
        { name: "metrics", containerPort: SYNAPSE_PORTS.metrics },
        { name: "health", containerPort: SYNAPSE_PORTS.health },
      ];
      const env: k8s.types.input.core.v1.EnvVar[] = [
        { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
        ...(media && awsConfig ? [{ name: "AWS_CONFIG_FILE", value: "/etc/synapse/aws/config" }] : []),
        // Static S3 credentials as a boto3 shared-credentials file from the Secret (not env values).
        ...(media && s3Secret ? [{ name: "AWS_SHARED_CREDENTIALS_FILE", value: "/etc/synapse/aws-credentials/credentials" }] : []),
      ];
      const volumes = [
        ...baseVolumes(),
        ...(extra.volumes ?? []),
        ...(media ? [{ name: "media", emptyDir: { sizeLimit: "20Gi" } }] : []),
        ...(media && awsConfig ? [{ name: "aws-config", configMap: { name: awsConfig.metadata.name } }] : []),
        ...(media && s3Secret ? [{ name: "aws-credentials", secret: { secretName: s3Secret.metadata.name, defaultMode: 0o440 } }] : []),
        ...(media && objectStoreCa ? [caVolume("object-store-ca", "synapse-object-store-ca")] : []),
        ...(proxyConfig && extra.tlsSecret ? [{ name: "mtls-proxy-config", configMap: { name: proxyConfig.metadata.name } }, haproxyTlsVolume("mtls-proxy-tls", extra.tlsSecret)] : []),
      ];
      const mounts = [
        ...baseMounts(),
        ...(extra.mounts ?? []),
        ...(media ? [{ name: "media", mountPath: DEFAULT_SYNAPSE_PATHS.mediaStore }] : []),
        ...(media && awsConfig ? [{ name: "aws-config", mountPath: "/etc/synapse/aws", readOnly: true }] : []),
        ...(media && s3Secret ? [{ name: "aws-credentials", mountPath: "/etc/synapse/aws-credentials", readOnly: true }] : []),
        ...(media && objectStoreCa ? [{ name: "object-store-ca", mountPath: OBJECT_STORE_CA_PATH.replace(/\/ca\.crt$/, ""), readOnly: true }] : []),
      ];
      return {
        metadata: {
          labels: synapseLabels(typeName),
          annotations: {
            "matrix-platform.io/config-checksum": pulumi.all([configChecksum, extra.workerChecksum ?? "", redisProxyText ?? ""]).apply(([a, b, r]) => checksum(a, b, proxyConfigText ?? "", r)),
            ...caTrustAnnotations(databaseCa, redisCa),
          },
        },
        spec: restrictedPod({
          uid: SYNAPSE_UID,
          placement,
          selector: synapseSelector(typeName),
          serviceAccountName: media ? "synapse-media" : "synapse",
          terminationGracePeriodSeconds: 60,
          volumes,
          containers: [restrictedContainer({
            name: "synapse",
            image,
            command,
            env,
            ports,
            // Media workers stage uploads and thumbnails on local disk before the object store.
            resources: resourcesOf(sizingOf.resources, media ? 24 : 2),
            volumeMounts: mounts,
            // Main runs database migrations on upgrade before it listens: give it time.
            startupProbe: httpProbe("/health", trafficProbePort, { period: 10, failures: t === undefined ? 90 : 30 }),
            // Liveness on the health-only listener, readiness on the traffic listener: both are
            // answered by the event loop, so a wedged process fails both. (The query string only
            // tells the two apart by path, which is all kube-score compares; Synapse ignores it.)
            livenessProbe: httpProbe("/health?probe=liveness", "health", { period: 15, failures: 4, timeout: 5 }),
            readinessProbe: httpProbe("/health", trafficProbePort, { period: 5, failures: 2 }),
          }, SYNAPSE_UID),
          ...(media ? [mediaCachePruner(image)] : []),
          ...(mtls ? [mtlsProxyContainer({ image: proxyImage, uid: SYNAPSE_UID, configVolume: "mtls-proxy-config", tlsVolume: "mtls-proxy-tls" })] : []),
          ...(redisProxyMap ? [redisProxyContainer({ image: proxyImage, uid: SYNAPSE_UID, configVolume: "redis-proxy-config", caVolume: "redis-ca" })] : [])],
        }),
      };
    };
    const dependsOn = [sa, mediaSa];

    // ----- main: one process (never two), behind a ClusterIP Service
    const mainLabels = synapseLabels("main");
    const mainCertificate = mtls ? serverCertificate("main", MAIN_SERVICE, serviceDnsName(mainInstance(), args.namespaceName)) : undefined;
    // HAProxy's port on a Synapse Service: the proxy's TLS port, or Synapse's HTTP listener.
    const trafficServicePort = mtls ? { name: "mtls", port: SYNAPSE_PORTS.mtls, targetPort: "mtls" } : { name: "http", port: SYNAPSE_PORTS.http, targetPort: "http" };
    new k8s.apps.v1.Deployment(`${name}-main`, {
      metadata: { name: MAIN_SERVICE, namespace: ns, labels: mainLabels },
      spec: {
        replicas: 1,
        strategy: { type: "Recreate" },
        selector: { matchLabels: synapseSelector("main") },
        template: podTemplate("main", undefined, synapseCommand("main"), sizing.synapse.main, { tlsSecret: mainCertificate ? serverCertificateSecret(MAIN_SERVICE) : undefined }),
      },
    }, { ...child, dependsOn: [...dependsOn, ...(mainCertificate ? [mainCertificate] : [])] });
    new k8s.core.v1.Service(`${name}-main`, {
      metadata: { name: MAIN_SERVICE, namespace: ns, labels: mainLabels },
      spec: {
        type: "ClusterIP",
        selector: synapseSelector("main"),
        ports: [
          trafficServicePort,
          { name: "replication", port: SYNAPSE_PORTS.replication, targetPort: "replication" },
          { name: "metrics", port: SYNAPSE_PORTS.metrics, targetPort: "metrics" },
        ],
      },
    }, child);
    new k8s.policy.v1.PodDisruptionBudget(`${name}-main`, {
      metadata: { name: MAIN_SERVICE, namespace: ns, labels: mainLabels },
      spec: disruptionBudgetSpec(synapseSelector("main")),
    }, child);

    // ----- workers, one workload per type
    for (const t of WORKER_TYPES) {
      const insts = this.instances.filter((i) => i.type?.name === t.name);
      if (insts.length === 0) continue;
      const w = sizing.synapse.workers[t.name];
      const labels = synapseLabels(t.name);
      const selector = synapseSelector(t.name);
      const stable = hasStableNames(t);
      // Pools share one template (the pod names itself at start); stable-name types get one file per instance.
      const files: Record<string, pulumi.Output<string>> = {};
      if (stable) {
        for (const inst of insts) files[`${inst.name}.yaml`] = renderInput.apply((i) => toYaml(renderWorkerConfig(i, inst)));
      } else {
        files["worker.yaml"] = renderInput.apply((i) => toYaml(renderWorkerConfig(i, { name: t.name, type: t, index: 0 })));
      }
      const workerConfig = new k8s.core.v1.ConfigMap(`${name}-worker-${t.name}`, { metadata: { ...meta(`synapse-worker-${t.name}`) }, data: files }, child);
      const workerChecksum = pulumi.all(Object.values(files)).apply((texts) => checksum(...texts));
      const workerFile = stable ? "/etc/synapse/worker/$POD_NAME.yaml" : "/etc/synapse/worker/worker.yaml";
      const certificate = mtls ? serverCertificate(`worker-${t.name}`, workerServiceName(t), serviceDnsName({ type: t }, args.namespaceName)) : undefined;
      const template = podTemplate(t.name, t, synapseCommand({ workerFile, podNamed: stable }), w, {
        volumes: [{ name: "worker", configMap: { name: workerConfig.metadata.name } }],
        mounts: [{ name: "worker", mountPath: "/etc/synapse/worker", readOnly: true }],
        workerChecksum,
        tlsSecret: certificate ? serverCertificateSecret(workerServiceName(t)) : undefined,
      });
      const workloadDeps = [...dependsOn, ...(certificate ? [certificate] : [])];
      // Headless Service: pool pods for HAProxy's DNS discovery; stable pods' own DNS names for instance_map.
      new k8s.core.v1.Service(`${name}-${t.name}`, {
        metadata: { name: t.name, namespace: ns, labels },
        spec: {
          clusterIP: "None",
          selector,
          // instance_map names must resolve while a pod starts; HAProxy health-checks anyway.
          publishNotReadyAddresses: stable,
          ports: [
            trafficServicePort,
            ...(stable && t.resources.includes("replication") ? [{ name: "replication", port: SYNAPSE_PORTS.replication, targetPort: "replication" }] : []),
            { name: "health", port: SYNAPSE_PORTS.health, targetPort: "health" },
            { name: "metrics", port: SYNAPSE_PORTS.metrics, targetPort: "metrics" },
          ],
        },
      }, child);
      if (stable) {
        new k8s.apps.v1.StatefulSet(`${name}-${t.name}`, {
          metadata: { name: t.name, namespace: ns, labels },
          spec: {
            serviceName: t.name,
            replicas: insts.length,
            podManagementPolicy: "Parallel",
            updateStrategy: { type: "RollingUpdate" },
            selector: { matchLabels: selector },
            template,
          },
        }, { ...child, dependsOn: workloadDeps });
      } else {
        // A pool's HPA bounds and CPU target are sizing's; sizing autoscales every pool it runs.
        const scaling = w.autoscaling;
        if (!scaling) throw new Error(`sizing gives the ${t.name} pool no autoscaling`);
        new k8s.apps.v1.Deployment(`${name}-${t.name}`, {
          metadata: { name: t.name, namespace: ns, labels },
          // No replica count: the HPA owns it (minReplicas = the sized count), so updates never fight it.
          spec: {
            strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
            selector: { matchLabels: selector },
            template,
          },
        }, { ...child, dependsOn: workloadDeps });
        new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-${t.name}`, {
          metadata: { name: t.name, namespace: ns, labels },
          spec: cpuAutoscalerSpec(t.name, scaling),
        }, child);
      }
      new k8s.policy.v1.PodDisruptionBudget(`${name}-${t.name}`, {
        metadata: { name: t.name, namespace: ns, labels },
        spec: disruptionBudgetSpec(selector),
      }, child);
    }

    // ----- HAProxy in front
    this.haproxy = new SynapseHaproxy(`${name}-haproxy`, {
      spec,
      sizing,
      platform,
      namespace: ns,
      namespaceName: args.namespaceName,
      instances: this.instances,
    }, { parent: this });

    this.registerOutputs({ mainServiceName: this.mainServiceName, signingKeyId: this.signingKeyId, instances: this.instances.map((i) => i.name) });
  }
}
