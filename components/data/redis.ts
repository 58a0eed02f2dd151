import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { imageRef } from "../../catalog/images";
import type { RedisSizing, WorkloadSizing } from "../../sizing/types";
import { selectorLabels, standardLabels } from "../k8s/labels";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../k8s/security-context";
import { checksum } from "../k8s/pod-spec";
import type { CrdProviders, Placement } from "../contracts";
import { customResource } from "../k8s/custom-resource";
import { PROXY_CA_FILE, REDIS_PORT, REDIS_TLS_DIR, REDIS_TLS_FILES, SENTINEL_PORT, redisCli, redisServerDnsNames, renderMasterProxyConfig, renderRedisConf, renderRedisInit, renderSentinelRunner, redisExporterArgs } from "../../render/redis/sentinel-redis";
import { caVolume } from "../k8s/internal-ca";
import { disruptionBudgetSpec } from "../k8s/disruption-budget";
import { IMMUTABLE_CLAIM_TEMPLATES } from "../k8s/volume-claims";

/**
 * UIDs of the Redis and HAProxy containers: the images' own users (999, 99) moved above 10000 so
 * they never coincide with a user of the node (kube-score, checkov CKV_K8S_40). Neither image
 * depends on its build-time UID: Redis writes only to its PVC (fsGroup) and /tmp.
 */
const REDIS_UID = 10999;
const PROXY_UID = 10099;

export interface SentinelRedisArgs {
  /** The add-on releases behind each CRD group: its Certificate depends on cert-manager's. */
  crds: CrdProviders;
  /** Kubernetes provider of the cluster. */
  provider: k8s.Provider;
  /** Namespace of the Redis pods and Services. */
  namespace: pulumi.Input<string>;
  /** Base name: pods `<name>-N`, master Service `<name>`. */
  serviceName: string;
  /** Redis nodes (1 primary + replicas) and memory. */
  sizing: RedisSizing;
  /** Per-pod resources and PVC size (sizing.components.redis). */
  workload: WorkloadSizing;
  /** Replicas and resources of the master-only proxy (sizing.components.redisProxy). */
  proxyWorkload: WorkloadSizing;
  /** StorageClass for the append-only files. */
  storageClass: pulumi.Input<string>;
  /** Node placement (database tier). */
  placement: Placement;
  /** Production: a strict one-per-node spread and no writes to a primary cut off from its replicas. */
  highAvailability: boolean;
  /** `imageRegistry` override for air-gapped sites. */
  imageRegistry?: string;
  /**
   * Run redis_exporter beside each node, serving `metrics` on REDIS_EXPORTER_PORT (the monitoring
   * system is deployed and scrapes it). Default false.
   */
  metricsExporter?: boolean;
  /**
   * ClusterIssuer of the internal CA that signs the nodes' certificate (Redis and Sentinel serve
   * TLS only), and what must exist before a Certificate from it is issued.
   */
  tls: { issuer: string; issuerReady: pulumi.Resource[] };
}

/** redis_exporter's metrics port (its default). */
export const REDIS_EXPORTER_PORT = 9121;
/** The proxy's stats and health port. */
const PROXY_STATS_PORT = 8404;

/**
 * Redis with Sentinel failover behind a stable master endpoint.
 *
 * Synapse takes one Redis host:port and speaks neither Sentinel nor Cluster, so failover must be
 * invisible to it. A StatefulSet runs Redis + a Sentinel in every pod; Sentinels elect a new
 * primary when the current one fails. In front, two HAProxy pods health-check every Redis with
 * `INFO replication` and send traffic only to the one reporting `role:master`; the `<name>`
 * Service points at HAProxy. Redis and Sentinel serve TLS only, with one certificate from the
 * internal CA; the proxy's checks verify it, and clients' TLS sessions pass through the proxy
 * to the master (render/redis/sentinel-redis.ts). A failover therefore shows up to Synapse as one dropped connection,
 * which it re-establishes. (Chosen over a Redis operator: no extra CRDs or operator to mirror for
 * air-gapped sites, and only images already in the catalogue.)
 */
export class SentinelRedis extends pulumi.ComponentResource {
  readonly host: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  readonly password: pulumi.Output<string>;
  /** Labels of the pods clients connect to (the HAProxy front). */
  readonly podLabels: Record<string, string>;
  /** Labels of the Redis + Sentinel pods behind the front (for network policies). */
  readonly nodePodLabels: Record<string, string>;
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: SentinelRedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-platform:data:SentinelRedis", name, {}, opts);
    const { provider, namespace, serviceName: svc } = args;
    const childOpts = (dependsOn: pulumi.Input<pulumi.Resource>[] = []): pulumi.CustomResourceOptions => ({ parent: this, provider, dependsOn });
    // Sizing's count as it is: it already holds the HA minimum (three, for a Sentinel quorum).
    const replicas = args.sizing.replicas;
    const headless = `${svc}-nodes`;
    const nodeLabels = standardLabels("redis", "cache");
    const nodeSelector = selectorLabels("redis");
    const proxyName = `${svc}-proxy`;
    const proxyLabels = standardLabels(proxyName, "cache-proxy");
    this.podLabels = selectorLabels(proxyName);
    this.nodePodLabels = nodeSelector;

    // Alphanumeric: it is embedded in HAProxy's health-check script and redis.conf.
    const password = new random.RandomPassword(`${name}-password`, { length: 48, special: false }, { parent: this });
    this.password = pulumi.secret(password.result);
    const auth = new k8s.core.v1.Secret(`${name}-auth`, {
      metadata: { name: `${svc}-auth`, namespace, labels: nodeLabels },
      type: "Opaque",
      stringData: { password: password.result },
    }, childOpts());

    const memoryMi = Math.round(args.sizing.memoryGi * 1024);
    // The nodes' one certificate from the internal CA: the master Service name (clients' TLS
    // passes through the proxy) and every node's name under the headless Service.
    const tlsSecret = `${svc}-tls`;
    const certificate = customResource(`${name}-tls`, {
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name: tlsSecret, namespace, labels: nodeLabels },
      spec: {
        secretName: tlsSecret,
        commonName: pulumi.interpolate`${svc}.${namespace}.svc.cluster.local`,
        dnsNames: pulumi.output(namespace).apply((ns) => redisServerDnsNames(svc, headless, ns)),
        duration: "2160h",
        renewBefore: "720h",
        // Client auth too: a replica (and a Sentinel) presents it when it dials the master.
        usages: ["digital signature", "key encipherment", "server auth", "client auth"],
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        issuerRef: { name: args.tls.issuer, kind: "ClusterIssuer", group: "cert-manager.io" },
      },
    }, childOpts(args.tls.issuerReady), args.crds);
    // Static settings only; the password and the replication role are added at start-up by the
    // init script, so nothing secret is in this ConfigMap.
    const configFiles: Record<string, string> = {
      "redis.conf": renderRedisConf({ memoryMi, highAvailability: args.highAvailability, tls: REDIS_TLS_FILES, dir: "/data" }),
      "init.sh": renderRedisInit({ service: svc, headless, replicas, tls: REDIS_TLS_FILES, configDir: "/config", dataDir: "/data" }),
      // Sentinel, and the reload of both servers' certificate when cert-manager renews it.
      "sentinel.sh": renderSentinelRunner({ tls: REDIS_TLS_FILES, sentinelConf: "/data/conf/sentinel.conf" }),
    };
    const config = new k8s.core.v1.ConfigMap(`${name}-config`, {
      metadata: { name: `${svc}-config`, namespace, labels: nodeLabels },
      data: configFiles,
    }, childOpts());

    const image = imageRef("redis", args.imageRegistry);
    const env = [
      { name: "NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
      { name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: auth.metadata.name, key: "password" } } },
    ];
    const res = args.workload.resources;
    // CPU from sizing.components.redis; ephemeral storage holds only logs (data, config and
    // temp files are on the PVC), so a small bound is enough.
    const resources = {
      requests: { cpu: `${res.cpuRequestMillis}m`, memory: `${Math.max(res.memoryRequestMi, memoryMi)}Mi`, "ephemeral-storage": "128Mi" },
      limits: { cpu: `${Math.max(res.cpuLimitMillis, res.cpuRequestMillis)}m`, memory: `${Math.max(res.memoryLimitMi, memoryMi)}Mi`, "ephemeral-storage": "1Gi" },
    };
    const probe = (port: number, cmd: string) => ({
      exec: { command: ["sh", "-c", `${redisCli(REDIS_TLS_FILES)} -p ${port} -a "$REDIS_PASSWORD" --no-auth-warning ${cmd} | grep -q PONG`] },
      periodSeconds: 10,
      timeoutSeconds: 3,
    });
    const volumes = [
      { name: "config", configMap: { name: config.metadata.name, defaultMode: 0o555 } },
      { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
      { name: "tls", secret: { secretName: tlsSecret, defaultMode: 0o440 } },
    ];
    const mounts = [{ name: "data", mountPath: "/data" }, { name: "tmp", mountPath: "/tmp" }, { name: "tls", mountPath: REDIS_TLS_DIR, readOnly: true }];

    const headlessSvc = new k8s.core.v1.Service(`${name}-nodes`, {
      metadata: { name: headless, namespace, labels: nodeLabels },
      spec: {
        clusterIP: "None",
        // Sentinels and the init script must find peers before they are ready.
        publishNotReadyAddresses: true,
        selector: nodeSelector,
        ports: [{ name: "redis", port: REDIS_PORT }, { name: "sentinel", port: SENTINEL_PORT }],
      },
    }, childOpts());

    const statefulSet = new k8s.apps.v1.StatefulSet(`${name}-nodes`, {
      metadata: { name: svc, namespace, labels: nodeLabels },
      spec: {
        serviceName: headless,
        replicas,
        selector: { matchLabels: nodeSelector },
        template: {
          // The ConfigMap is updated in place: its digest here rolls the servers onto new settings.
          metadata: { labels: nodeLabels, annotations: { "matrix-platform.io/config-checksum": checksum(...Object.values(configFiles)) } },
          spec: {
            securityContext: restrictedPodSecurityContext(REDIS_UID),
            automountServiceAccountToken: false,
            nodeSelector: args.placement.nodeSelector,
            tolerations: args.placement.tolerations,
            affinity: {
              podAntiAffinity: args.highAvailability
                ? { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: nodeSelector }, topologyKey: "kubernetes.io/hostname" }] }
                : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchLabels: nodeSelector }, topologyKey: "kubernetes.io/hostname" } }] },
            },
            initContainers: [{
              name: "config",
              image,
              command: ["sh", "/config/init.sh"],
              env,
              securityContext: restrictedContainerSecurityContext(REDIS_UID),
              volumeMounts: [...mounts, { name: "config", mountPath: "/config" }],
              resources: { requests: { cpu: "10m", memory: "32Mi", "ephemeral-storage": "16Mi" }, limits: { cpu: "100m", memory: "64Mi", "ephemeral-storage": "64Mi" } },
            }],
            containers: [
              {
                name: "redis",
                image,
                command: ["redis-server", "/data/conf/redis.conf"],
                env,
                ports: [{ name: "redis", containerPort: REDIS_PORT }],
                readinessProbe: probe(REDIS_PORT, "ping"),
                // Liveness only asks whether the server accepts connections: a node that is
                // loading its dataset or resyncing is not ready, but must not be restarted.
                livenessProbe: { tcpSocket: { port: REDIS_PORT }, periodSeconds: 10, initialDelaySeconds: 20, failureThreshold: 5 },
                securityContext: restrictedContainerSecurityContext(REDIS_UID),
                volumeMounts: mounts,
                resources,
              },
              ...(args.metricsExporter ? [{
                name: "exporter",
                image: imageRef("redisExporter", args.imageRegistry),
                // Reads the password from REDIS_PASSWORD (the auth Secret, not a literal). TLS to the
                // node beside it by the node's own name, which the certificate carries (Kubernetes
                // expands $(POD_NAME) and $(NAMESPACE) from the env below).
                args: redisExporterArgs({ host: `$(POD_NAME).${headless}.$(NAMESPACE).svc.cluster.local`, caFile: REDIS_TLS_FILES.ca, listenPort: REDIS_EXPORTER_PORT }),
                env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }, ...env],
                volumeMounts: [{ name: "tls", mountPath: REDIS_TLS_DIR, readOnly: true }],
                ports: [{ name: "metrics", containerPort: REDIS_EXPORTER_PORT }],
                // Ready once it serves HTTP (its landing page); alive while the port accepts.
                readinessProbe: { httpGet: { path: "/", port: REDIS_EXPORTER_PORT }, periodSeconds: 10 },
                livenessProbe: { tcpSocket: { port: REDIS_EXPORTER_PORT }, periodSeconds: 20, failureThreshold: 3 },
                securityContext: restrictedContainerSecurityContext(REDIS_UID),
                resources: { requests: { cpu: "10m", memory: "32Mi", "ephemeral-storage": "16Mi" }, limits: { cpu: "100m", memory: "64Mi", "ephemeral-storage": "64Mi" } },
              }] : []),
              {
                name: "sentinel",
                image,
                command: ["sh", "/config/sentinel.sh"],
                env,
                ports: [{ name: "sentinel", containerPort: SENTINEL_PORT }],
                readinessProbe: probe(SENTINEL_PORT, "ping"),
                livenessProbe: { tcpSocket: { port: SENTINEL_PORT }, periodSeconds: 10, initialDelaySeconds: 20, failureThreshold: 5 },
                securityContext: restrictedContainerSecurityContext(REDIS_UID),
                volumeMounts: [...mounts, { name: "config", mountPath: "/config", readOnly: true }],
                resources: { requests: { cpu: "20m", memory: "32Mi", "ephemeral-storage": "32Mi" }, limits: { cpu: "200m", memory: "64Mi", "ephemeral-storage": "256Mi" } },
              },
            ],
            volumes,
          },
        },
        volumeClaimTemplates: [{
          metadata: { name: "data", labels: nodeLabels },
          spec: {
            accessModes: ["ReadWriteOnce"],
            storageClassName: args.storageClass,
            resources: { requests: { storage: `${args.workload.storageGi ?? Math.max(8, Math.ceil(args.sizing.memoryGi * 3))}Gi` } },
          },
        }],
      },
    }, { ...childOpts([headlessSvc, certificate]), ...IMMUTABLE_CLAIM_TEMPLATES });

    const nodesPdb = new k8s.policy.v1.PodDisruptionBudget(`${name}-nodes`, {
      metadata: { name: svc, namespace, labels: nodeLabels },
      spec: disruptionBudgetSpec(nodeSelector),
    }, childOpts());

    // HAProxy: routes to whichever node reports role:master, checked over verified TLS. The
    // checks log in with the password from the proxy's environment, so the config (whose server
    // list grows with the profile) is a ConfigMap, updated in place, and holds no secret.
    const proxyConfigText = pulumi.output(namespace).apply((n) => renderMasterProxyConfig({
      servers: Array.from({ length: replicas }, (_, i) => {
        const host = `${svc}-${i}.${headless}.${n}.svc.cluster.local`;
        return { name: `${svc}-${i}`, address: host, port: REDIS_PORT, tlsName: host };
      }),
      passwordEnv: "REDIS_PASSWORD",
      caFile: PROXY_CA_FILE,
      port: REDIS_PORT,
      statsPort: PROXY_STATS_PORT,
    }));
    const haproxyCfg = new k8s.core.v1.ConfigMap(`${name}-proxy-config`, {
      metadata: { name: `${proxyName}-config`, namespace, labels: proxyLabels },
      data: { "haproxy.cfg": proxyConfigText },
    }, childOpts());

    const proxyReplicas = args.proxyWorkload.replicas;
    const proxyShape = args.proxyWorkload.resources;
    const proxy = new k8s.apps.v1.Deployment(`${name}-proxy`, {
      metadata: { name: proxyName, namespace, labels: proxyLabels },
      spec: {
        replicas: proxyReplicas,
        selector: { matchLabels: this.podLabels },
        template: {
          metadata: { labels: proxyLabels, annotations: { "matrix-platform.io/config-checksum": proxyConfigText.apply((c) => checksum(c)) } },
          spec: {
            securityContext: restrictedPodSecurityContext(PROXY_UID),
            automountServiceAccountToken: false,
            nodeSelector: args.placement.nodeSelector,
            tolerations: args.placement.tolerations,
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: this.podLabels } }],
            containers: [{
              name: "haproxy",
              image: imageRef("haproxy", args.imageRegistry),
              args: ["-f", "/usr/local/etc/haproxy/haproxy.cfg"],
              env: [{ name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: auth.metadata.name, key: "password" } } }],
              ports: [{ name: "redis", containerPort: REDIS_PORT }, { name: "metrics", containerPort: PROXY_STATS_PORT }],
              readinessProbe: { httpGet: { path: "/healthz", port: PROXY_STATS_PORT }, periodSeconds: 5 },
              livenessProbe: { tcpSocket: { port: PROXY_STATS_PORT }, periodSeconds: 10, failureThreshold: 3 },
              securityContext: restrictedContainerSecurityContext(PROXY_UID),
              volumeMounts: [
                { name: "proxy-config", mountPath: "/usr/local/etc/haproxy", readOnly: true },
                { name: "redis-ca", mountPath: PROXY_CA_FILE.replace(/\/ca\.crt$/, ""), readOnly: true },
              ],
              resources: {
                requests: { cpu: `${proxyShape.cpuRequestMillis}m`, memory: `${proxyShape.memoryRequestMi}Mi`, "ephemeral-storage": "32Mi" },
                limits: { cpu: `${proxyShape.cpuLimitMillis}m`, memory: `${proxyShape.memoryLimitMi}Mi`, "ephemeral-storage": "256Mi" },
              },
            }],
            // Only ca.crt of the nodes' certificate Secret: the proxy never holds their key.
            volumes: [
              // Not "config": that name held a Secret volume before, and server-side apply would
              // merge the two sources into one volume of two types, which the API server refuses.
              { name: "proxy-config", configMap: { name: haproxyCfg.metadata.name } },
              caVolume("redis-ca", tlsSecret),
            ],
          },
        },
      },
    }, childOpts([statefulSet]));

    const proxyPdb = new k8s.policy.v1.PodDisruptionBudget(`${name}-proxy`, {
      metadata: { name: proxyName, namespace, labels: proxyLabels },
      spec: disruptionBudgetSpec(this.podLabels, { minAvailable: proxyReplicas > 1 ? 1 : 0 }),
    }, childOpts());

    const service = new k8s.core.v1.Service(`${name}-master`, {
      metadata: { name: svc, namespace, labels: proxyLabels },
      spec: {
        type: "ClusterIP",
        selector: this.podLabels,
        ports: [{ name: "redis", port: REDIS_PORT, targetPort: "redis" }],
      },
    }, childOpts([proxy]));

    const ns = pulumi.output(namespace);
    this.host = pulumi.interpolate`${service.metadata.name}.${ns}.svc.cluster.local`;
    this.port = pulumi.output(REDIS_PORT);
    this.ready = [certificate, statefulSet, proxy, service, nodesPdb, proxyPdb];
    this.registerOutputs({ host: this.host, port: this.port });
  }
}
