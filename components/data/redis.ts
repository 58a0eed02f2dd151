import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { imageRef } from "../../catalog/images";
import type { RedisSizing, WorkloadSizing } from "../../sizing/types";
import { selectorLabels, standardLabels } from "../k8s/labels";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../k8s/security-context";
import type { Placement } from "../contracts";

/**
 * UIDs of the Redis and HAProxy containers: the images' own users (999, 99) moved above 10000 so
 * they never coincide with a user of the node (kube-score, checkov CKV_K8S_40). Neither image
 * depends on its build-time UID: Redis writes only to its PVC (fsGroup) and /tmp.
 */
const REDIS_UID = 10999;
const PROXY_UID = 10099;

export interface SentinelRedisArgs {
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
}

const REDIS_PORT = 6379;
/** redis_exporter's metrics port (its default). */
export const REDIS_EXPORTER_PORT = 9121;
const SENTINEL_PORT = 26379;
const MASTER_SET = "matrix";

/**
 * Redis with Sentinel failover behind a stable master endpoint.
 *
 * Synapse takes one Redis host:port and speaks neither Sentinel nor Cluster, so failover must be
 * invisible to it. A StatefulSet runs Redis + a Sentinel in every pod; Sentinels elect a new
 * primary when the current one fails. In front, two HAProxy pods health-check every Redis with
 * `INFO replication` and send traffic only to the one reporting `role:master`; the `<name>`
 * Service points at HAProxy. A failover therefore shows up to Synapse as one dropped connection,
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
    const quorum = Math.floor(replicas / 2) + 1;
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
    // Static settings only; the password and the replication role are added at start-up by the
    // init script, so nothing secret is in this ConfigMap.
    const config = new k8s.core.v1.ConfigMap(`${name}-config`, {
      metadata: { name: `${svc}-config`, namespace, labels: nodeLabels },
      data: {
        "redis.conf": [
          `port ${REDIS_PORT}`,
          "bind * -::*",
          "protected-mode no",
          "dir /data",
          // AOF every second + RDB snapshots: at most a second of writes lost on a crash.
          "appendonly yes",
          "appendfsync everysec",
          "save 900 1 300 100 60 10000",
          `maxmemory ${Math.round(memoryMi * 0.8)}mb`,
          // Synapse uses Redis for replication pub/sub and caches; evicting the least recently
          // used cache keys is safe, refusing writes is not.
          "maxmemory-policy allkeys-lru",
          "replica-serve-stale-data yes",
          // A primary cut off from every replica (the losing side of a partition, still
          // reporting role:master to HAProxy) refuses writes instead of accepting ones the
          // newly elected primary will never see.
          ...(args.highAvailability ? ["min-replicas-to-write 1", "min-replicas-max-lag 10"] : []),
          "tcp-keepalive 60",
          "",
        ].join("\n"),
        "init.sh": [
          "#!/bin/sh",
          "# Finds the current primary from any reachable Sentinel; pod 0 starts as primary only",
          "# when no Sentinel knows one (first start of the whole set).",
          "set -eu",
          `SELF="$(hostname).${headless}.\${NAMESPACE}.svc.cluster.local"`,
          'MASTER=""',
          `i=0; while [ "$i" -lt ${replicas} ]; do`,
          `  PEER="${svc}-$i.${headless}.\${NAMESPACE}.svc.cluster.local"`,
          '  if [ "$PEER" != "$SELF" ]; then',
          `    M="$(timeout 3 redis-cli -h "$PEER" -p ${SENTINEL_PORT} -a "$REDIS_PASSWORD" --no-auth-warning sentinel get-master-addr-by-name ${MASTER_SET} 2>/dev/null | head -n1 || true)"`,
          '    if [ -n "$M" ]; then MASTER="$M"; break; fi',
          "  fi",
          "  i=$((i+1))",
          "done",
          `[ -n "$MASTER" ] || MASTER="${svc}-0.${headless}.\${NAMESPACE}.svc.cluster.local"`,
          "mkdir -p /data/conf",
          "cp /config/redis.conf /data/conf/redis.conf",
          "{",
          '  echo "requirepass $REDIS_PASSWORD"',
          '  echo "masterauth $REDIS_PASSWORD"',
          '  echo "replica-announce-ip $SELF"',
          `  if [ "$MASTER" != "$SELF" ]; then echo "replicaof $MASTER ${REDIS_PORT}"; fi`,
          "} >> /data/conf/redis.conf",
          "cat > /data/conf/sentinel.conf <<EOF",
          `port ${SENTINEL_PORT}`,
          "sentinel resolve-hostnames yes",
          "sentinel announce-hostnames yes",
          "sentinel announce-ip $SELF",
          `sentinel monitor ${MASTER_SET} $MASTER ${REDIS_PORT} ${quorum}`,
          `sentinel auth-pass ${MASTER_SET} $REDIS_PASSWORD`,
          `sentinel down-after-milliseconds ${MASTER_SET} 5000`,
          `sentinel failover-timeout ${MASTER_SET} 60000`,
          `sentinel parallel-syncs ${MASTER_SET} 1`,
          "requirepass $REDIS_PASSWORD",
          "sentinel sentinel-pass $REDIS_PASSWORD",
          "EOF",
          "",
        ].join("\n"),
      },
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
      exec: { command: ["sh", "-c", `redis-cli -p ${port} -a "$REDIS_PASSWORD" --no-auth-warning ${cmd} | grep -q PONG`] },
      periodSeconds: 10,
      timeoutSeconds: 3,
    });
    const volumes = [
      { name: "config", configMap: { name: config.metadata.name, defaultMode: 0o555 } },
      { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
    ];
    const mounts = [{ name: "data", mountPath: "/data" }, { name: "tmp", mountPath: "/tmp" }];

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
          metadata: { labels: nodeLabels },
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
                // Reads the password from REDIS_PASSWORD (the auth Secret, not a literal).
                args: [`--redis.addr=redis://127.0.0.1:${REDIS_PORT}`, `--web.listen-address=:${REDIS_EXPORTER_PORT}`],
                env,
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
                command: ["redis-server", "/data/conf/sentinel.conf", "--sentinel"],
                env,
                ports: [{ name: "sentinel", containerPort: SENTINEL_PORT }],
                readinessProbe: probe(SENTINEL_PORT, "ping"),
                livenessProbe: { tcpSocket: { port: SENTINEL_PORT }, periodSeconds: 10, initialDelaySeconds: 20, failureThreshold: 5 },
                securityContext: restrictedContainerSecurityContext(REDIS_UID),
                volumeMounts: mounts,
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
    }, childOpts([headlessSvc]));

    const nodesPdb = new k8s.policy.v1.PodDisruptionBudget(`${name}-nodes`, {
      metadata: { name: svc, namespace, labels: nodeLabels },
      spec: { maxUnavailable: 1, selector: { matchLabels: nodeSelector } },
    }, childOpts());

    // HAProxy: routes to whichever node reports role:master. The check script carries the
    // password, so the whole config is a Secret.
    const servers = pulumi.output(namespace).apply((n) => Array.from({ length: replicas }, (_, i) =>
      `  server ${svc}-${i} ${svc}-${i}.${headless}.${n}.svc.cluster.local:${REDIS_PORT} check inter 1s fall 2 rise 2 resolvers cluster init-addr none on-marked-down shutdown-sessions`).join("\n"));
    const haproxyCfg = new k8s.core.v1.Secret(`${name}-proxy-config`, {
      metadata: { name: `${proxyName}-config`, namespace, labels: proxyLabels },
      type: "Opaque",
      stringData: {
        "haproxy.cfg": pulumi.interpolate`global
  maxconn 10000
  log stdout format raw local0 warning

resolvers cluster
  parse-resolv-conf
  hold valid 5s
  hold nx 5s

defaults
  mode tcp
  log global
  timeout connect 3s
  timeout check 3s
  # Synapse holds long-lived replication connections; keepalives detect dead peers.
  timeout client 12h
  timeout server 12h
  option clitcpka
  option srvtcpka

frontend stats
  mode http
  bind :8404
  http-request use-service prometheus-exporter if { path /metrics }
  monitor-uri /healthz

frontend redis
  bind :${REDIS_PORT}
  default_backend master

backend master
  option tcp-check
  tcp-check connect
  tcp-check send AUTH\\ ${password.result}\\r\\n
  tcp-check expect string +OK
  tcp-check send PING\\r\\n
  tcp-check expect string +PONG
  tcp-check send info\\ replication\\r\\n
  tcp-check expect string role:master
  tcp-check send QUIT\\r\\n
  tcp-check expect string +OK
${servers}
`,
      },
    }, childOpts());

    const proxyReplicas = args.proxyWorkload.replicas;
    const proxyShape = args.proxyWorkload.resources;
    const proxy = new k8s.apps.v1.Deployment(`${name}-proxy`, {
      metadata: { name: proxyName, namespace, labels: proxyLabels },
      spec: {
        replicas: proxyReplicas,
        selector: { matchLabels: this.podLabels },
        template: {
          metadata: { labels: proxyLabels },
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
              ports: [{ name: "redis", containerPort: REDIS_PORT }, { name: "metrics", containerPort: 8404 }],
              readinessProbe: { httpGet: { path: "/healthz", port: 8404 }, periodSeconds: 5 },
              livenessProbe: { tcpSocket: { port: 8404 }, periodSeconds: 10, failureThreshold: 3 },
              securityContext: restrictedContainerSecurityContext(PROXY_UID),
              volumeMounts: [{ name: "config", mountPath: "/usr/local/etc/haproxy", readOnly: true }],
              resources: {
                requests: { cpu: `${proxyShape.cpuRequestMillis}m`, memory: `${proxyShape.memoryRequestMi}Mi`, "ephemeral-storage": "32Mi" },
                limits: { cpu: `${proxyShape.cpuLimitMillis}m`, memory: `${proxyShape.memoryLimitMi}Mi`, "ephemeral-storage": "256Mi" },
              },
            }],
            volumes: [{ name: "config", secret: { secretName: haproxyCfg.metadata.name } }],
          },
        },
      },
    }, childOpts([statefulSet]));

    const proxyPdb = new k8s.policy.v1.PodDisruptionBudget(`${name}-proxy`, {
      metadata: { name: proxyName, namespace, labels: proxyLabels },
      spec: { minAvailable: proxyReplicas > 1 ? 1 : 0, selector: { matchLabels: this.podLabels } },
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
    this.ready = [statefulSet, proxy, service, nodesPdb, proxyPdb];
    this.registerOutputs({ host: this.host, port: this.port });
  }
}
