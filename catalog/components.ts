/**
 * The component registry: one entry per in-cluster system. Each entry says when the system is
 * deployed (its feature switch, the platforms it runs on in-cluster), where (namespace, hosts on
 * the shared Gateway, hardware tier per workload), with what (images) and how it is sized
 * (replica series per CCU profile point, HA floor, autoscaling, resource weight or series).
 *
 * Everything that describes a system reads it from here: sizing (which workloads exist and their
 * series), node-pool packing (tier, one-per-node), the Gateway's listeners and certificates
 * (hosts), namespaces, the image list and the plan's cost lines. A system that is not deployed is
 * not sized, packed, priced, routed or advertised. Adding a system is one entry here plus one
 * folder under components/ (docs/architecture.md shows how).
 */
import type { ChartName } from "./charts";
import type { ImageName } from "./images";
import { NAMESPACES, type NamespaceName } from "./namespaces";
import { CCU_PROFILES, HA_MINIMUMS, INVENTORY } from "./profiles";
import type { NodeTier } from "./tiers";
import type { PlatformKind } from "../config/keys";

/** Feature switches of the stack config (config key = switch name), one per optional system. */
export const FEATURE_SWITCHES = ["rtc", "push", "bridges", "li", "antivirus", "monitoring"] as const;
export type FeatureSwitch = (typeof FEATURE_SWITCHES)[number];

/** Public host keys (config/spec.ts `Hosts`): the services' DNS names, derived from `domain`. */
export type HostKey = "matrix" | "element" | "admin" | "rtc" | "turn" | "grafana" | "push" | "liMatrix" | "liElement" | "liAdmin" | "delegation";

/** Every non-Synapse workload the stack sizes (Synapse's own processes are the worker catalogue). */
export const COMPONENTS = [
  "haproxy",
  "element",
  "admin",
  "livekit",
  "lkJwt",
  "coturn",
  "sygnal",
  "keyVault",
  "telegram",
  "whatsapp",
  "synapseLi",
  "elementLi",
  "adminLi",
  "liSync",
  "clamav",
  "scanWorker",
  "prometheus",
  "grafana",
  "loki",
  "alertmanager",
  "jaeger",
  "redis",
  "redisProxy",
  "edgeProxy",
] as const;
export type ComponentName = (typeof COMPONENTS)[number];

/**
 * How a workload's per-replica requests are found: a `weight` takes a share of the CCU
 * profile's resource budget (sizing/resources.ts, the same units Synapse's processes use), a
 * `series` gives requests at the five profile points directly (systems the profile tables do not
 * budget), `accounts` sizes by bridged accounts (sizing/bridges.ts).
 */
export type ResourceRule =
  | { kind: "weight"; cpu: number; mem: number }
  | {
      kind: "series";
      cpuMillis: readonly number[];
      memoryMi: readonly number[];
      /** CPU limit as a multiple of the request; default 2. */
      cpuLimitFactor?: number;
      /** Memory limit as a multiple of the request; default 1.5. */
      memoryLimitFactor?: number;
    }
  | { kind: "accounts" };

/** One workload of a system. */
export interface WorkloadEntry {
  /** Hardware tier its pods run on (node pool and placement). */
  tier: NodeTier;
  /** Replicas at the five CCU profile points (100, 1k, 5k, 10k, 20k), before HA; ignored for `accounts`. */
  replicaSeries: readonly number[];
  /** Production floor (the environment preset's high availability). */
  haMinReplicas: number;
  /** Stateless behind a Service: gets an HPA between the sized count and its ceiling. */
  autoscaled: boolean;
  /**
   * Replicas must each have a node of their own: Redis (a failover that lands the new master
   * beside the old one protects nothing), LiveKit and coturn (host ports: per-node UDP ranges).
   */
  onePerNode?: boolean;
  /** Namespace of this workload where it differs from the system's (coturn: host networking). */
  namespace?: NamespaceName;
  resources: ResourceRule;
}

/**
 * One Prometheus scrape target of a system: which pods, on which named container port and path,
 * and how their series are labelled. The monitoring component turns each into a PodMonitor and a
 * flow that admits Prometheus on that port; a system that is not deployed has no target, and the
 * rules and dashboard panels keyed by its `job` are left out with it (components/monitoring/).
 */
export interface ScrapeTarget {
  /**
   * The series' `job` label (and the PodMonitor's name). Alerts and dashboards select by it, so it
   * names the component, not the process: one per target.
   */
  job: string;
  /** Namespace of the scraped pods; default the system's. */
  namespace?: NamespaceName;
  /** Labels selecting the scraped pods. PodMonitors select pods directly, so pods without a Service are scraped too. */
  podLabels: Readonly<Record<string, string>>;
  /** Name of the container port that serves the metrics. */
  portName: string;
  /** Its number: the scraped pods' NetworkPolicy admits Prometheus on it and nothing else. */
  port: number;
  /** HTTP path of the metrics; default `/metrics`. */
  path?: string;
  /**
   * Overrides `job` per pod with the value of this pod label, less `trimPrefix`: Synapse's
   * official dashboard selects processes by `job` (one per worker type) and `index`.
   */
  jobFromPodLabel?: { label: string; trimPrefix?: string };
  /** Adds an `index` label: the pod's StatefulSet ordinal, or its name for pods of a Deployment. */
  index?: boolean;
  /**
   * The pods use host networking (LiveKit, coturn): their address is the node's, which
   * NetworkPolicies do not select. Prometheus's egress then goes to the node ranges on `port`, and
   * the receiving side is the node firewall, which opens only the media and TURN ports to the
   * outside (render/rtc/exposure.ts), never a metrics port.
   */
  hostNetwork?: boolean;
}

/** One in-cluster system. */
export interface ComponentEntry {
  /** One line for the plan and the docs. */
  description: string;
  /** Feature switch that deploys it; absent means always deployed. */
  feature?: FeatureSwitch;
  /** Platforms it runs on in-cluster; absent means all (Redis is a managed service on the clouds). */
  platforms?: readonly ("aws" | "gcp" | "existing")[];
  /**
   * Whether its component exists in this program. A switch of a system that is not built yet is
   * refused by validation, naming what will deploy it; `pending` says what that is.
   */
  built: true | { pending: string };
  /** Namespace its workloads run in. */
  namespace: NamespaceName;
  /** HTTP(S) hosts it serves through the shared Gateway (each gets a listener and a certificate). */
  hosts: readonly HostKey[];
  /** Hosts it serves only when the stack's config asks for them (`PlatformSpec.optionalHosts`). */
  optionalHosts?: readonly HostKey[];
  /** Images its own pods run (charts' and operators' images are listed with the charts). */
  images: readonly ImageName[];
  /** Images its pods run only when monitoring is deployed too (metrics exporters beside them). */
  monitoringImages?: readonly ImageName[];
  /** Helm charts it installs (catalog/charts.ts). */
  charts?: readonly ChartName[];
  /** Its workloads and how each is sized. */
  workloads: Partial<Record<ComponentName, WorkloadEntry>>;
  /** What changes in Synapse's configuration when it is deployed; absent when nothing does. */
  synapseConfig?: string;
  /**
   * Its Prometheus scrape targets, scraped only when monitoring is deployed too. Absent means
   * none. components/monitoring/README.md says how a new system adds its own.
   */
  scrape?: readonly ScrapeTarget[];
}

const profileSeries = (pick: (p: (typeof CCU_PROFILES)[number]) => number) => CCU_PROFILES.map(pick);
const flat = (n: number) => [n, n, n, n, n] as const;

/*
 * Replica series not in the profile tables are engineering estimates: connection-terminating
 * proxies add one replica per 5k CCU beyond 5k (HAProxy holds several thousand long-poll syncs per
 * core); Element, lk-jwt-service, Sygnal and the key vault (static files, small APIs) get a second
 * replica at 10k; the admin UI serves a handful of operators; coturn relays only calls that cannot
 * reach LiveKit directly, about half LiveKit's pace; antivirus adds one replica per 5k CCU of
 * uploads. HA floors: 2 for everything in the request path, the architecture document's HA table
 * for LiveKit (3) and Redis (3), its inventory for lk-jwt-service (2). LI is not raised (one LI
 * Synapse serves a few investigators; a missed sync cycle is caught up by the next); monitoring
 * stays at the document's "1*" except Prometheus and Alertmanager, two in production (two
 * Prometheus scrape the same targets, Alertmanager peers de-duplicate their notifications).
 */
export const COMPONENT_REGISTRY = {
  matrix: {
    description: "Synapse main and workers behind HAProxy, Element Web, Ketesa, .well-known delegation",
    built: true,
    namespace: NAMESPACES.matrix,
    hosts: ["matrix", "element", "admin", "delegation"],
    // Synapse runs the project's image (catalog/project-images.ts), built on IMAGES.synapse.
    images: ["haproxy", "elementWeb", "ketesa", "nginxUnprivileged"],
    workloads: {
      haproxy: { tier: "edge", replicaSeries: [1, 1, 1, 2, 4], haMinReplicas: 2, autoscaled: true, resources: { kind: "weight", cpu: 0.8, mem: 0.4 } },
      element: { tier: "edge", replicaSeries: [1, 1, 1, 2, 2], haMinReplicas: 2, autoscaled: true, resources: { kind: "weight", cpu: 0.1, mem: 0.1 } },
      admin: { tier: "edge", replicaSeries: flat(1), haMinReplicas: 2, autoscaled: true, resources: { kind: "weight", cpu: 0.1, mem: 0.1 } },
    },
    scrape: [
      // Main and every worker: one `job` per process type (main is "main"), `index` per pod.
      {
        job: "synapse",
        podLabels: { "app.kubernetes.io/component": "synapse", "app.kubernetes.io/part-of": "matrix-platform" },
        portName: "metrics",
        port: 9000, // render/synapse SYNAPSE_PORTS.metrics (tests hold them together)
        path: "/_synapse/metrics",
        jobFromPodLabel: { label: "app.kubernetes.io/name", trimPrefix: "synapse-" },
        index: true,
      },
      { job: "haproxy", podLabels: { "app.kubernetes.io/name": "haproxy", "app.kubernetes.io/instance": "main" }, portName: "stats", port: 8404 },
    ],
  },
  edge: {
    description: "the shared Gateway's Envoy proxies (Envoy Gateway, installed by the platform)",
    built: true,
    namespace: NAMESPACES.edge,
    hosts: [],
    images: [],
    workloads: {
      edgeProxy: { tier: "edge", replicaSeries: [1, 1, 1, 2, 4], haMinReplicas: 2, autoscaled: true, resources: { kind: "weight", cpu: 0.6, mem: 0.4 } },
    },
  },
  cache: {
    description: "Redis with Sentinel behind one stable master endpoint (managed Redis on the clouds)",
    platforms: ["existing"],
    built: true,
    namespace: NAMESPACES.data,
    hosts: [],
    // The proxy in front of Sentinel-managed Redis is HAProxy.
    images: ["redis", "haproxy"],
    monitoringImages: ["redisExporter"],
    workloads: {
      redis: { tier: "homeserver", replicaSeries: profileSeries((p) => p.redis.replicas), haMinReplicas: HA_MINIMUMS.redisReplicas, autoscaled: false, onePerNode: true, resources: { kind: "weight", cpu: 0.3, mem: 0.8 } },
      // The HAProxy that forwards only to the current master: a few connections per Synapse
      // process, so a small fixed shape; its CPU limit leaves room for reconnect storms after a
      // failover. Two in production so a proxy restart is no outage.
      redisProxy: { tier: "homeserver", replicaSeries: flat(1), haMinReplicas: 2, autoscaled: false, resources: { kind: "series", cpuMillis: flat(50), memoryMi: flat(64), cpuLimitFactor: 10, memoryLimitFactor: 2 } },
    },
    scrape: [
      // redis_exporter beside each node (SentinelRedis runs it when monitoring is deployed).
      { job: "redis", podLabels: { "app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": "main" }, portName: "metrics", port: 9121 },
      // The master-endpoint proxy's HAProxy exporter: which Redis node is master, and connections.
      { job: "redis-proxy", podLabels: { "app.kubernetes.io/name": "redis-proxy", "app.kubernetes.io/instance": "main" }, portName: "metrics", port: 8404 },
    ],
  },
  rtc: {
    description: "MatrixRTC calls: LiveKit SFU, lk-jwt-service, coturn",
    feature: "rtc",
    built: true,
    namespace: NAMESPACES.matrix,
    hosts: ["rtc"],
    images: ["livekit", "lkJwt", "coturn"],
    workloads: {
      livekit: { tier: "edge", replicaSeries: profileSeries((p) => p.livekit.replicas), haMinReplicas: HA_MINIMUMS.livekitReplicas, autoscaled: false, onePerNode: true, namespace: NAMESPACES.turn, resources: { kind: "weight", cpu: 2.5, mem: 2 } },
      lkJwt: { tier: "edge", replicaSeries: [1, 1, 1, 2, 2], haMinReplicas: INVENTORY.lkJwtReplicas, autoscaled: true, resources: { kind: "weight", cpu: 0.1, mem: 0.1 } },
      coturn: { tier: "edge", replicaSeries: [1, 1, 2, 3, 4], haMinReplicas: 2, autoscaled: false, onePerNode: true, namespace: NAMESPACES.turn, resources: { kind: "weight", cpu: 0.6, mem: 0.3 } },
    },
    // Host-network pods: the PodMonitors scrape the node's address (the pod IP) on the metrics
    // ports, LiveKit's prometheus_port and coturn's --prometheus exporter (render/rtc RTC_PORTS).
    scrape: [
      { job: "livekit", namespace: NAMESPACES.turn, podLabels: { "app.kubernetes.io/name": "livekit", "app.kubernetes.io/instance": "main" }, portName: "metrics", port: 6789, hostNetwork: true },
      { job: "coturn", namespace: NAMESPACES.turn, podLabels: { "app.kubernetes.io/name": "coturn", "app.kubernetes.io/instance": "main" }, portName: "metrics", port: 9641, hostNetwork: true },
    ],
    synapseConfig: "TURN URIs and shared secret; .well-known advertises the LiveKit focus",
  },
  push: {
    description: "Sygnal push gateway",
    feature: "push",
    built: true,
    namespace: NAMESPACES.push,
    hosts: [],
    optionalHosts: ["push"],
    images: ["sygnal"],
    workloads: {
      sygnal: { tier: "homeserver", replicaSeries: [1, 1, 1, 2, 2], haMinReplicas: 2, autoscaled: true, resources: { kind: "weight", cpu: 0.2, mem: 0.4 } },
    },
    // Sygnal's prometheus_client listener (render/sygnal SYGNAL_PORTS.metrics).
    scrape: [{ job: "sygnal", podLabels: { "app.kubernetes.io/name": "sygnal", "app.kubernetes.io/instance": "main" }, portName: "metrics", port: 9000 }],
    synapseConfig: "ip_range_whitelist admits Sygnal's Service address (and no other private address) for the pushers",
  },
  bridges: {
    description: "mautrix-telegram and mautrix-whatsapp (bridgev2), one process each sized by bridged accounts",
    feature: "bridges",
    built: true,
    namespace: NAMESPACES.matrix,
    hosts: [],
    images: ["mautrixTelegram", "mautrixWhatsapp"],
    workloads: {
      telegram: { tier: "bridge", replicaSeries: flat(1), haMinReplicas: 1, autoscaled: false, resources: { kind: "accounts" } },
      whatsapp: { tier: "bridge", replicaSeries: flat(1), haMinReplicas: 1, autoscaled: false, resources: { kind: "accounts" } },
    },
    synapseConfig: "one appservice registration per bridge with accounts",
  },
  keyVault: {
    description: "key_vault: the LI key escrow service, reachable only from Synapse",
    feature: "li",
    built: true,
    namespace: NAMESPACES.matrix,
    hosts: [],
    images: [],
    workloads: {
      keyVault: { tier: "homeserver", replicaSeries: [1, 1, 1, 2, 2], haMinReplicas: 2, autoscaled: true, resources: { kind: "weight", cpu: 0.2, mem: 0.4 } },
    },
  },
  li: {
    description: "lawful-intercept instance: synapse-li, element-web-li, synapse-admin-li, the sync system",
    feature: "li",
    built: true,
    namespace: NAMESPACES.li,
    hosts: ["liMatrix", "liElement", "liAdmin"],
    images: ["synapse", "elementWeb", "ketesa"],
    // The sync's postgres_exporter on the archive database (components/li/sync.ts).
    monitoringImages: ["postgresExporter"],
    workloads: {
      synapseLi: { tier: "homeserver", replicaSeries: flat(1), haMinReplicas: 1, autoscaled: false, resources: { kind: "series", cpuMillis: [250, 500, 1000, 1500, 2000], memoryMi: [1024, 1536, 2048, 3072, 4096] } },
      elementLi: { tier: "homeserver", replicaSeries: flat(1), haMinReplicas: 1, autoscaled: false, resources: { kind: "series", cpuMillis: flat(20), memoryMi: flat(32) } },
      adminLi: { tier: "homeserver", replicaSeries: flat(1), haMinReplicas: 1, autoscaled: false, resources: { kind: "series", cpuMillis: flat(20), memoryMi: flat(32) } },
      // The refresh Job's pod: one at a time (the CronJob forbids overlaps), dump piped into
      // restore, no volume. The setup and publisher Jobs are short and small.
      liSync: { tier: "homeserver", replicaSeries: flat(1), haMinReplicas: 1, autoscaled: false, resources: { kind: "series", cpuMillis: [200, 250, 500, 1000, 1000], memoryMi: [256, 512, 1024, 2048, 2048] } },
    },
    // The sync's postgres_exporter (components/li/sync.ts LI_SYNC_EXPORTER_NAME, LI_SYNC_EXPORTER_PORT).
    scrape: [{ job: "li-sync", podLabels: { "app.kubernetes.io/name": "li-sync-exporter", "app.kubernetes.io/instance": "main" }, portName: "metrics", port: 9187 }],
    synapseConfig: "main keeps redactions and skips retention purges while LI is fed",
  },
  antivirus: {
    description: "ClamAV with freshclam, scan workers, Synapse's media-scanning hook",
    feature: "antivirus",
    built: true,
    namespace: NAMESPACES.antivirus,
    hosts: [],
    // The scan worker's image is the project's own (images/scan-worker).
    // The scan worker runs the project's image (catalog/project-images.ts).
    images: ["clamav"],
    workloads: {
      // clamd holds the whole signature set in memory (about 1.2 GB) and twice that while it
      // reloads, whatever the load: memory starts at 2.5 GiB and the limit covers the reload peak.
      clamav: { tier: "media", replicaSeries: [1, 1, 2, 3, 4], haMinReplicas: 2, autoscaled: false, resources: { kind: "series", cpuMillis: [500, 500, 1000, 1000, 1000], memoryMi: [2560, 2560, 3072, 3072, 3072], memoryLimitFactor: 2 } },
      scanWorker: { tier: "media", replicaSeries: [1, 1, 2, 3, 4], haMinReplicas: 2, autoscaled: true, resources: { kind: "series", cpuMillis: [50, 100, 200, 250, 250], memoryMi: [128, 128, 256, 256, 256] } },
    },
    // The scan workers' prometheus_client listener (render/antivirus ANTIVIRUS_PORTS.scanMetrics),
    // and the clamd exporter beside each clamd (ANTIVIRUS_PORTS.clamdMetrics; the Antivirus
    // component runs it when monitoring is deployed, which is when targets exist).
    scrape: [
      { job: "scan-worker", podLabels: { "app.kubernetes.io/name": "scan-worker", "app.kubernetes.io/instance": "main" }, portName: "metrics", port: 9090 },
      { job: "clamd", podLabels: { "app.kubernetes.io/name": "clamd", "app.kubernetes.io/instance": "main" }, portName: "metrics", port: 9906 },
    ],
    synapseConfig: "main and the media workers load the scan module: every stored media file is scanned first",
  },
  monitoring: {
    description: "Prometheus, Alertmanager and Grafana (kube-prometheus-stack) with scrape targets, alert rules and dashboards; Loki and Grafana Alloy for pod logs",
    feature: "monitoring",
    built: true,
    namespace: NAMESPACES.monitoring,
    hosts: ["grafana"],
    images: [],
    charts: ["kubePrometheusStack", "loki", "alloy"],
    workloads: {
      prometheus: { tier: "system", replicaSeries: flat(1), haMinReplicas: 2, autoscaled: false, resources: { kind: "series", cpuMillis: [250, 500, 1000, 2000, 4000], memoryMi: [1024, 2048, 4096, 8192, 16384] } },
      grafana: { tier: "system", replicaSeries: flat(1), haMinReplicas: 1, autoscaled: false, resources: { kind: "series", cpuMillis: [100, 100, 200, 200, 250], memoryMi: [256, 256, 512, 512, 512] } },
      // Production: three replicas sharing the logs bucket, replication factor 3 (components/monitoring/logs.ts).
      loki: { tier: "system", replicaSeries: flat(1), haMinReplicas: 3, autoscaled: false, resources: { kind: "series", cpuMillis: [250, 250, 500, 1000, 2000], memoryMi: [512, 1024, 2048, 4096, 8192] } },
      alertmanager: { tier: "system", replicaSeries: flat(1), haMinReplicas: 2, autoscaled: false, resources: { kind: "series", cpuMillis: [20, 20, 50, 50, 50], memoryMi: [64, 64, 128, 128, 128] } },
    },
  },
  managedDataMetrics: {
    description: "postgres_exporter on each managed PostgreSQL endpoint (RDS, Cloud SQL) and redis_exporter on the managed Redis (ElastiCache, Memorystore)",
    feature: "monitoring",
    // On an existing cluster CloudNativePG's instances and the in-cluster Redis carry their own exporters.
    platforms: ["aws", "gcp"],
    built: true,
    namespace: NAMESPACES.monitoring,
    hosts: [],
    images: ["postgresExporter", "redisExporter"],
    // One small exporter per endpoint with fixed requests (components/monitoring/managed-data-exporters.ts): nothing to size.
    workloads: {},
    // The jobs the PostgreSQL and Redis dashboards and alerts read on every platform.
    scrape: [
      { job: "postgresql", podLabels: { "app.kubernetes.io/name": "postgres-exporter" }, portName: "metrics", port: 9187 },
      { job: "redis", podLabels: { "app.kubernetes.io/name": "redis-exporter", "app.kubernetes.io/instance": "main" }, portName: "metrics", port: 9121 },
    ],
  },
  traces: {
    description: "Jaeger v2 (an OpenTelemetry Collector distribution): receives Synapse's spans, keeps them, serves Grafana's trace queries",
    feature: "monitoring",
    built: true,
    namespace: NAMESPACES.monitoring,
    hosts: [],
    images: ["jaeger"],
    workloads: {
      // One collector with its spans in Badger on its volume: a second would hold other traces.
      jaeger: { tier: "system", replicaSeries: flat(1), haMinReplicas: 1, autoscaled: false, resources: { kind: "series", cpuMillis: [100, 100, 250, 500, 1000], memoryMi: [256, 256, 512, 1024, 2048] } },
    },
    // The collector's own telemetry (render/traces JAEGER_PORTS.metrics): received, refused and
    // exported spans, which the traces alerts read.
    scrape: [{ job: "jaeger", podLabels: { "app.kubernetes.io/name": "jaeger", "app.kubernetes.io/instance": "main" }, portName: "metrics", port: 8888 }],
    synapseConfig: "main and every worker trace a share of requests (traceSamplingRatio) and report the spans to the collector",
  },
} as const satisfies Record<string, ComponentEntry>;

export type SystemName = keyof typeof COMPONENT_REGISTRY;
export const SYSTEMS = Object.keys(COMPONENT_REGISTRY) as SystemName[];

/** The registry entry, typed as the general shape (the literal types of the table above are narrower). */
export function systemEntry(system: SystemName): ComponentEntry {
  return COMPONENT_REGISTRY[system];
}

/** The system each component workload belongs to. */
export function systemOf(component: ComponentName): SystemName {
  const system = SYSTEMS.find((s) => component in systemEntry(s).workloads);
  if (system === undefined) throw new Error(`component ${component} is in no registry entry`);
  return system;
}

/** The registry entry of one workload. */
export function workloadEntry(component: ComponentName): WorkloadEntry {
  return systemEntry(systemOf(component)).workloads[component]!;
}

/** What deciding deployment needs of the validated spec. */
export interface DeploymentSwitches {
  platform: PlatformKind;
  features: Record<FeatureSwitch, boolean>;
  /** Optional hosts the config asks for (`pushPublicRoute` -> push); none when absent. */
  optionalHosts?: Partial<Record<HostKey, boolean>>;
}

/** Whether a system is deployed: its switch is on (or it has none) and it runs in-cluster here. */
export function isDeployed(system: SystemName, spec: DeploymentSwitches): boolean {
  const entry = systemEntry(system);
  if (entry.platforms && !entry.platforms.includes(spec.platform)) return false;
  return entry.feature === undefined || spec.features[entry.feature];
}

export function deployedSystems(spec: DeploymentSwitches): SystemName[] {
  return SYSTEMS.filter((s) => isDeployed(s, spec));
}

/** A scrape target of a deployed system, with its namespace resolved. */
export interface DeployedScrapeTarget extends ScrapeTarget {
  system: SystemName;
  namespace: NamespaceName;
}

/** Scrape targets of the deployed systems, in registry order (none unless monitoring is deployed). */
export function deployedScrapeTargets(spec: DeploymentSwitches): DeployedScrapeTarget[] {
  if (!isDeployed("monitoring", spec)) return [];
  return deployedSystems(spec).flatMap((system) => {
    const entry = systemEntry(system);
    return (entry.scrape ?? []).map((t) => ({ ...t, system, namespace: t.namespace ?? entry.namespace }));
  });
}

/** Hosts of the deployed systems, in registry order: what the Gateway gets listeners for. */
export function deployedHosts(spec: DeploymentSwitches): HostKey[] {
  return deployedSystems(spec).flatMap((s) => [...systemEntry(s).hosts, ...(systemEntry(s).optionalHosts ?? []).filter((h) => spec.optionalHosts?.[h])]);
}

/** Switches that are on for a system whose component does not exist yet, with what will build it. */
export function unbuiltSwitches(features: Record<FeatureSwitch, boolean>): { feature: FeatureSwitch; pending: string }[] {
  const out: { feature: FeatureSwitch; pending: string }[] = [];
  for (const feature of FEATURE_SWITCHES) {
    if (!features[feature]) continue;
    const pending = SYSTEMS.map((s) => systemEntry(s)).find((e) => e.feature === feature && e.built !== true)?.built;
    if (pending && pending !== true) out.push({ feature, pending: pending.pending });
  }
  return out;
}
