/**
 * Antivirus: clamd (with its freshclam sidecar) behind a Service, and the scan workers Synapse's
 * media module streams every file to, in their own namespace. Replicas, HPA bounds and resources
 * come from sizing (`clamav`, `scanWorker`); the scan workers' bearer token is the Matrix stack's
 * (Synapse holds the other end); the flows admit Synapse's media-storing pods to the scan
 * workers, the scan workers to clamd and freshclam to the signature mirror, nothing else.
 * Prometheus's scrape of the scan workers comes from the registry entry's `scrape` target.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { AntivirusSpec } from "../../config/antivirus-keys";
import type { WorkloadSizing } from "../../sizing/types";
import { ANTIVIRUS_PORTS } from "../../render/antivirus";
import { StackNamespace } from "../k8s/namespace";
import { checksum } from "../k8s/pod-spec";
import { selectorLabels } from "../k8s/labels";
import type { NetworkFlows, Workload } from "../k8s/network";
import type { Platform } from "../contracts";
import { antivirusFlows } from "./flows";
import { clamdPodConfig } from "./config";
import { CLAMD_NAME, SCAN_WORKER_NAME, clamdLabels, scanWorkerLabels } from "./names";
import { clamdPodSpec, scanWorkerPodSpec } from "./pods";
import { cpuAutoscalerSpec } from "../k8s/autoscaling";
import { disruptionBudgetSpec } from "../k8s/disruption-budget";

export interface AntivirusArgs {
  /** Namespace of the system (NAMESPACES.antivirus). */
  namespace: string;
  /** `antivirusMirror`, `antivirusMirrorCidrs` (freshclam's source and egress). */
  antivirus: AntivirusSpec;
  /** Synapse's max_upload_size in bytes: clamd's StreamMaxLength and the scan workers' limit. */
  maxUploadBytes: number;
  /** `sizing.components.clamav` and `sizing.components.scanWorker`. */
  sizing: { clamav: WorkloadSizing; scanWorker: WorkloadSizing };
  /** The ClamAV image (catalog `clamav`, through the registry override). */
  clamavImage: string;
  /** The scan worker image built from images/scan-worker (digest-pinned when built by `pulumi up`). */
  scanWorkerImage: pulumi.Input<string>;
  /**
   * The image of the clamd exporter sidecar (the scan worker image) when monitoring is deployed;
   * absent, the clamd pods run no exporter.
   */
  clamdExporterImage?: pulumi.Input<string>;
  /** The scan workers' bearer token (secret; Synapse's module sends it). */
  scanToken: pulumi.Input<string>;
  /** Synapse's pods that store media (main and the media workers): the only callers of the scan workers. */
  mediaPods: readonly Workload[];
  platform: Pick<Platform, "provider" | "placement" | "ready">;
  flows: NetworkFlows;
}

export class Antivirus extends pulumi.ComponentResource {
  /** clamd's in-cluster address (host:port). */
  readonly clamdAddress: string;

  constructor(name: string, args: AntivirusArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("matrix-platform:antivirus:Antivirus", name, {}, opts);
    const nsName = args.namespace;
    const namespace = new StackNamespace(`${name}-namespace`, { name: nsName, component: "antivirus", flows: args.flows }, { parent: this, providers: [args.platform.provider], dependsOn: args.platform.ready });
    const child = { parent: this, provider: args.platform.provider, dependsOn: [namespace] };
    const clamdHost = `${CLAMD_NAME}.${nsName}.svc.cluster.local`;

    // ----- clamd + freshclam
    const clamdMeta = { name: CLAMD_NAME, namespace: namespace.name, labels: clamdLabels() };
    const files = clamdPodConfig({ maxUploadBytes: args.maxUploadBytes, mirror: args.antivirus.mirror });
    const config = new k8s.core.v1.ConfigMap(`${name}-clamd-config`, { metadata: { ...clamdMeta, name: `${CLAMD_NAME}-config` }, data: files }, child);
    const c = args.sizing.clamav;
    new k8s.apps.v1.Deployment(`${name}-clamd`, {
      metadata: clamdMeta,
      spec: {
        replicas: c.replicas,
        // A new pod loads its signatures before the old one goes: capacity never drops in a rollout.
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        selector: { matchLabels: selectorLabels(CLAMD_NAME) },
        template: {
          metadata: { labels: clamdLabels(), annotations: { "matrix-platform.io/config-checksum": checksum(...Object.values(files)) } },
          spec: pulumi.output(args.clamdExporterImage).apply((exporterImage) => clamdPodSpec({
            image: args.clamavImage, sizing: c, placement: args.platform.placement(c.tier), configMapName: `${CLAMD_NAME}-config`, maxUploadBytes: args.maxUploadBytes, exporterImage,
          })),
        },
      },
    }, { ...child, dependsOn: [namespace, config] });
    new k8s.core.v1.Service(`${name}-clamd`, {
      metadata: clamdMeta,
      spec: { type: "ClusterIP", selector: selectorLabels(CLAMD_NAME), ports: [{ name: "clamd", port: ANTIVIRUS_PORTS.clamd, targetPort: "clamd" }] },
    }, child);
    new k8s.policy.v1.PodDisruptionBudget(`${name}-clamd`, { metadata: clamdMeta, spec: disruptionBudgetSpec(selectorLabels(CLAMD_NAME)) }, child);

    // ----- scan workers
    const swMeta = { name: SCAN_WORKER_NAME, namespace: namespace.name, labels: scanWorkerLabels() };
    const token = new k8s.core.v1.Secret(`${name}-scan-token`, {
      metadata: { ...swMeta, name: `${SCAN_WORKER_NAME}-token` },
      type: "Opaque",
      stringData: pulumi.secret(pulumi.output(args.scanToken).apply((t) => ({ token: t }))),
    }, child);
    const s = args.sizing.scanWorker;
    new k8s.apps.v1.Deployment(`${name}-scan-worker`, {
      metadata: swMeta,
      spec: {
        // With an HPA the HPA owns the count (minReplicas = the sized count).
        ...(s.autoscaling ? {} : { replicas: s.replicas }),
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        selector: { matchLabels: selectorLabels(SCAN_WORKER_NAME) },
        template: {
          metadata: { labels: scanWorkerLabels() },
          spec: pulumi.output(args.scanWorkerImage).apply((image) => scanWorkerPodSpec({
            image, sizing: s, placement: args.platform.placement(s.tier), tokenSecretName: `${SCAN_WORKER_NAME}-token`, clamdHost, maxUploadBytes: args.maxUploadBytes,
          })),
        },
      },
    }, { ...child, dependsOn: [namespace, token] });
    if (s.autoscaling) {
      new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-scan-worker`, {
        metadata: swMeta,
        spec: cpuAutoscalerSpec(SCAN_WORKER_NAME, s.autoscaling),
      }, child);
    }
    new k8s.core.v1.Service(`${name}-scan-worker`, {
      metadata: swMeta,
      spec: {
        type: "ClusterIP",
        selector: selectorLabels(SCAN_WORKER_NAME),
        ports: [{ name: "http", port: ANTIVIRUS_PORTS.scanHttp, targetPort: "http" }],
      },
    }, child);
    new k8s.policy.v1.PodDisruptionBudget(`${name}-scan-worker`, { metadata: swMeta, spec: disruptionBudgetSpec(selectorLabels(SCAN_WORKER_NAME)) }, child);

    args.flows.allowAll(antivirusFlows({ namespace: nsName, mediaPods: args.mediaPods, mirror: { url: args.antivirus.mirror, cidrs: args.antivirus.mirrorCidrs } }), { namePrefix: "antivirus", parent: this });

    this.clamdAddress = `${clamdHost}:${ANTIVIRUS_PORTS.clamd}`;
    this.registerOutputs({ clamdAddress: this.clamdAddress });
  }
}
