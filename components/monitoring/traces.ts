/**
 * TraceCollector: Jaeger v2 (render/traces) as one StatefulSet in the monitoring namespace, its
 * spans in Badger on the pod's volume, a Service for Synapse's reporters and Grafana's queries,
 * Grafana's Jaeger datasource, and the flows. Deployed with monitoring (catalog/components.ts
 * `traces`); Synapse's `opentracing:` section points at the Service (render/synapse/deployment.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type * as k8sTypes from "@pulumi/kubernetes";
import { NAMESPACES } from "../../catalog/namespaces";
import { JAEGER_CONFIG_PATH, JAEGER_DATA_DIR, JAEGER_NAME, JAEGER_PORTS, jaegerConfig, jaegerDatasource } from "../../render/traces";
import { toYaml } from "../../render/synapse/yaml";
import type { WorkloadSizing } from "../../sizing/types";
import type { Placement, Platform } from "../contracts";
import { selectorLabels, standardLabels } from "../k8s/labels";
import type { NetworkFlows, Workload } from "../k8s/network";
import { checksum, httpProbe, resourcesOf, restrictedContainer, restrictedPod } from "../k8s/pod-spec";
import { tracesFlows } from "./traces-flows";
import { IMMUTABLE_CLAIM_TEMPLATES } from "../k8s/volume-claims";

/** The image's user (jaegertracing/jaeger's Dockerfile: USER 10001). */
export const JAEGER_UID = 10001;
/** How long spans are kept: three days covers a weekend's incident looked at on Monday. */
export const TRACE_RETENTION_HOURS = 72;

const labels = () => standardLabels(JAEGER_NAME, "traces");

/** The collector's config as it runs in the pod: every listener on all addresses, the standard ports. */
export function podJaegerConfig(): string {
  return toYaml(jaegerConfig({ bind: "0.0.0.0", ports: { ...JAEGER_PORTS }, dataDir: JAEGER_DATA_DIR, retentionHours: TRACE_RETENTION_HOURS }), "Rendered by matrix-platform (render/traces).");
}

/** The collector's pod (pure). */
export function jaegerPodSpec(args: { image: string; sizing: WorkloadSizing; placement: Placement; configMapName: string }): k8sTypes.types.input.core.v1.PodSpec {
  const p = JAEGER_PORTS;
  return restrictedPod({
    uid: JAEGER_UID,
    placement: args.placement,
    selector: selectorLabels(JAEGER_NAME),
    volumes: [{ name: "config", configMap: { name: args.configMapName } }],
    containers: [restrictedContainer({
      name: "jaeger",
      image: args.image,
      args: ["--config", `file:${JAEGER_CONFIG_PATH}`],
      ports: [
        { name: "thrift-compact", containerPort: p.thriftCompact, protocol: "UDP" },
        { name: "thrift-http", containerPort: p.thriftHttp },
        { name: "otlp-grpc", containerPort: p.otlpGrpc },
        { name: "otlp-http", containerPort: p.otlpHttp },
        { name: "query", containerPort: p.query },
        { name: "metrics", containerPort: p.metrics },
        { name: "health", containerPort: p.health },
      ],
      resources: resourcesOf(args.sizing.resources),
      volumeMounts: [
        { name: "config", mountPath: JAEGER_CONFIG_PATH.replace(/\/[^/]+$/, ""), readOnly: true },
        { name: "data", mountPath: JAEGER_DATA_DIR },
        { name: "tmp", mountPath: "/tmp" },
      ],
      readinessProbe: httpProbe("/status", "health"),
      // Ready when the collector reports healthy; alive while its health server accepts
      // connections (a store catching up is not a reason to restart it).
      livenessProbe: { tcpSocket: { port: "health" }, periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 3, initialDelaySeconds: 10 },
    }, JAEGER_UID)],
  });
}

export interface TraceCollectorArgs {
  /** `sizing.components.jaeger`: replicas (one), resources, tier, volume. */
  sizing: WorkloadSizing;
  /** The Jaeger image (catalog `jaeger`, through the registry override). */
  image: string;
  /** Synapse's pods (main and every worker): the senders of the spans. */
  synapse: Workload;
  platform: Pick<Platform, "provider" | "placement" | "storageClass">;
  flows: NetworkFlows;
  /** The monitoring namespace resource (objects wait for it). */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

export class TraceCollector extends pulumi.ComponentResource {
  /** Host Synapse reports to and Grafana queries (the Service). */
  readonly host: string;

  constructor(name: string, args: TraceCollectorArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("matrix-platform:monitoring:TraceCollector", name, {}, opts);
    const ns = NAMESPACES.monitoring;
    const child = { parent: this, provider: args.platform.provider, dependsOn: args.dependsOn };
    const meta = { name: JAEGER_NAME, namespace: ns, labels: labels() };
    const configText = podJaegerConfig();
    const config = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: { ...meta, name: `${JAEGER_NAME}-config` }, data: { "config.yaml": configText } }, child);
    const s = args.sizing;
    new k8s.apps.v1.StatefulSet(`${name}-jaeger`, {
      metadata: meta,
      spec: {
        serviceName: `${JAEGER_NAME}-headless`,
        replicas: s.replicas,
        selector: { matchLabels: selectorLabels(JAEGER_NAME) },
        template: {
          metadata: { labels: labels(), annotations: { "matrix-platform.io/config-checksum": checksum(configText) } },
          spec: jaegerPodSpec({ image: args.image, sizing: s, placement: args.platform.placement(s.tier), configMapName: `${JAEGER_NAME}-config` }),
        },
        volumeClaimTemplates: [{
          metadata: { name: "data", labels: labels() },
          spec: { accessModes: ["ReadWriteOnce"], storageClassName: args.platform.storageClass, resources: { requests: { storage: `${s.storageGi ?? 1}Gi` } } },
        }],
      },
    }, { ...child, dependsOn: [...args.dependsOn, config], ...IMMUTABLE_CLAIM_TEMPLATES });
    const p = JAEGER_PORTS;
    new k8s.core.v1.Service(`${name}-jaeger`, {
      metadata: meta,
      spec: {
        type: "ClusterIP",
        selector: selectorLabels(JAEGER_NAME),
        ports: [
          { name: "thrift-compact", port: p.thriftCompact, targetPort: "thrift-compact", protocol: "UDP" },
          { name: "thrift-http", port: p.thriftHttp, targetPort: "thrift-http" },
          { name: "query", port: p.query, targetPort: "query" },
        ],
      },
    }, child);
    // The StatefulSet's governing Service (stable pod DNS); clients use the ClusterIP one above,
    // whose address survives a restart of the pod (jaeger-client resolves its agent host once).
    new k8s.core.v1.Service(`${name}-jaeger-headless`, {
      metadata: { ...meta, name: `${JAEGER_NAME}-headless` },
      spec: { clusterIP: "None", selector: selectorLabels(JAEGER_NAME), ports: [{ name: "query", port: p.query, targetPort: "query" }] },
    }, child);
    new k8s.core.v1.ConfigMap(`${name}-datasource`, {
      metadata: { name: "grafana-datasource-jaeger", namespace: ns, labels: { ...standardLabels("grafana", "monitoring"), grafana_datasource: "1" } },
      data: { "jaeger.yaml": toYaml(jaegerDatasource(ns)) },
    }, child);
    args.flows.allowAll(tracesFlows(args.synapse), { namePrefix: "traces", parent: this, resourceName: `${name}-flows` });
    this.host = `${JAEGER_NAME}.${ns}.svc.cluster.local`;
    this.registerOutputs({ host: this.host });
  }
}
