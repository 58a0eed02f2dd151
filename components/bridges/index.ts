/**
 * MautrixBridges: mautrix-telegram and mautrix-whatsapp (bridgev2, v26.08), one StatefulSet of one
 * pod each, configured from the same registration input Synapse loads (MatrixStack renders the
 * registration, this renders the bridge's config from it), on its own database from the Platform.
 * A bridge whose switch is off or whose account count is 0 is not passed in: nothing of it exists.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import type { BridgePermissions, BridgeSpec } from "../../config/spec";
import type { WorkloadSizing } from "../../sizing/types";
import { imageRef } from "../../catalog/images";
import { CONNECTIONS_PER_OTHER_POD } from "../../sizing/connection-budget";
import { DEFAULT_BACKFILL, renderBridgeConfig, type BackfillLimits } from "../../render/bridges";
import { BRIDGE_APPSERVICES, toYaml, type AppserviceInput, type BridgeName } from "../../render/synapse";
import { standardLabels, selectorLabels } from "../k8s/labels";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../k8s/security-context";
import { FlowPolicies, INTERNET, type FlowSpec, type NetworkFlows, type Workload } from "../k8s/network";
import type { CrdProviders, DatabaseConnection, Placement } from "../contracts";
import { caTrustAnnotations, privateCaTrust } from "../k8s/ca-trust";
import { disruptionBudgetSpec } from "../k8s/disruption-budget";

/**
 * The user the bridge runs as: a high UID of the project's own (the images' entrypoint would
 * switch to 1337 from root; the binary is started directly, and needs no file of the image's user).
 */
export const BRIDGE_UID = 10001;
const CONFIG_DIR = "/etc/mautrix";
/** Where the database server's CA is mounted (its `ca.crt`), where the bridge verifies the server. */
export const BRIDGE_DATABASE_CA_DIR = "/etc/mautrix-database-ca";

/**
 * Internet ports each network's servers listen on: WhatsApp's multi-device websocket and media
 * hosts are HTTPS; Telegram's data centres take MTProto on 443, 80 and 5222.
 */
export const NETWORK_EGRESS_PORTS: Record<BridgeName, number[]> = { telegram: [443, 80, 5222], whatsapp: [443] };

/**
 * Start-up probe budget: bridgev2 reconnects every login and starts its history sync before it
 * reports ready; with thousands of accounts that is minutes, and a liveness kill meanwhile would
 * restart the sync from scratch. 60 x 10 s = 10 minutes before liveness takes over.
 */
export const STARTUP_PROBE = { periodSeconds: 10, failureThreshold: 60 } as const;

export interface BridgeInput {
  /** The bridge's spec (accounts; Telegram's API credentials). */
  spec: BridgeSpec;
  /** Its sizing: one replica, resources from the per-account model. */
  sizing: WorkloadSizing;
  /** Its registration, as Synapse loads it (secret). */
  appservice: pulumi.Output<AppserviceInput>;
  /** Its own database. */
  database: DatabaseConnection;
}

export interface MautrixBridgesArgs {
  /** The deployed bridges only. */
  bridges: Partial<Record<BridgeName, BridgeInput>>;
  /** Who may use the bridges. */
  permissions: BridgePermissions;
  /** Synapse's client API through HAProxy, e.g. http://haproxy.matrix.svc.cluster.local:8008. */
  homeserverUrl: string;
  /** as_token of the double-puppeting registration (secret). */
  doublePuppetToken: pulumi.Output<string>;
  /** Namespace name (the Service DNS names in the registrations use it) and its resolved Output. */
  namespaceName: string;
  namespace: pulumi.Input<string>;
  /** Bridge-tier placement. */
  placement: Placement;
  /** Registry override for air-gapped sites. */
  imageRegistry?: string;
  /** The Synapse process that pushes transactions and pings (its only client). */
  appserviceSender: Workload;
  /** Where it sends client-API traffic (HAProxy). */
  clientEntry: { workload: Workload; port: number };
  /** History limits for new portals and reconnects. Default DEFAULT_BACKFILL. */
  backfill?: BackfillLimits;
  provider: k8s.Provider;
  /** The platform's CRD providers (the trust Certificate of an internal-CA database server). */
  crds: CrdProviders;
  /** The stack's flow registry; without one the component writes its own policies. */
  flows?: NetworkFlows;
}

export const bridgeService = (b: BridgeName) => `mautrix-${b}`;
const bridgePods = (namespace: string, b: BridgeName): Workload => ({ namespace, podLabels: selectorLabels(bridgeService(b)), name: bridgeService(b) });

/** The flows one bridge needs, and nothing else (pure). */
export function bridgeFlows(args: Pick<MautrixBridgesArgs, "namespaceName" | "appserviceSender" | "clientEntry">, bridge: BridgeName, port: number, database: DatabaseConnection["network"]): FlowSpec[] {
  const pods = bridgePods(args.namespaceName, bridge);
  return [
    { from: args.appserviceSender, to: pods, ports: [port], description: `Synapse appservice worker -> ${bridgeService(bridge)} (transactions, pings)` },
    { from: pods, to: args.clientEntry.workload, ports: [args.clientEntry.port], description: `${bridgeService(bridge)} -> HAProxy (Synapse client API)` },
    { from: pods, to: database, description: `${bridgeService(bridge)} -> its PostgreSQL database` },
    { from: pods, to: INTERNET, ports: NETWORK_EGRESS_PORTS[bridge], description: `${bridgeService(bridge)} -> the ${bridge} network` },
  ];
}

export class MautrixBridges extends pulumi.ComponentResource {
  /** StatefulSet per deployed bridge. */
  readonly statefulSets: Partial<Record<BridgeName, k8s.apps.v1.StatefulSet>> = {};

  constructor(name: string, args: MautrixBridgesArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("matrix-platform:bridges:MautrixBridges", name, {}, opts);
    const child = { parent: this, provider: args.provider };
    const flows: FlowSpec[] = [];

    for (const bridge of Object.keys(args.bridges) as BridgeName[]) {
      const b = args.bridges[bridge]!;
      const svc = bridgeService(bridge);
      const labels = standardLabels(svc, "bridge");
      const selector = selectorLabels(svc);
      const meta = { name: svc, namespace: args.namespace, labels };
      const secret = (kind: string, length: number) => new random.RandomPassword(`${name}-${bridge}-${kind}`, { length, special: false }, { parent: this }).result;
      const pickleKey = secret("pickle-key", 64);
      const provisioningSecret = secret("provisioning-secret", 64);
      const db = b.database;
      // The database server's CA (the internal CA's, Cloud SQL's, the region's RDS roots) as ca.crt, where the platform names one.
      const databaseCa = privateCaTrust(`${name}-${bridge}-database-ca`, db, { namespace: args.namespace, objectName: `${svc}-database-ca`, file: "ca.crt", component: "bridge" }, child, args.crds);
      const config = pulumi.secret(
        pulumi.all([b.appservice, db.host, db.port, db.user, db.password, pickleKey, provisioningSecret, args.doublePuppetToken]).apply(
          ([appservice, host, port, user, password, pickle, provisioning, doublePuppet]) =>
            toYaml(renderBridgeConfig({
              network: bridge,
              registration: appservice,
              homeserverUrl: args.homeserverUrl,
              bindAddress: "0.0.0.0",
              database: { host, port, database: db.database, user, password, sslMode: db.sslMode, ...(databaseCa ? { caFile: `${BRIDGE_DATABASE_CA_DIR}/ca.crt` } : {}), maxOpenConns: CONNECTIONS_PER_OTHER_POD },
              permissions: args.permissions,
              doublePuppetAsToken: doublePuppet,
              pickleKey: pickle,
              provisioningSecret: provisioning,
              backfill: args.backfill ?? DEFAULT_BACKFILL,
              telegramApi: b.spec.telegramApi,
            })),
        ),
      );
      // The port the registration URL names (bridgeAppservice builds it from the same table).
      const port = BRIDGE_APPSERVICES[bridge].port;
      const configSecret = new k8s.core.v1.Secret(`${name}-${bridge}-config`, {
        metadata: { ...meta, name: `${svc}-config` },
        type: "Opaque",
        stringData: { "config.yaml": config },
      }, child);

      new k8s.core.v1.Service(`${name}-${bridge}`, {
        metadata: meta,
        // Headless, the StatefulSet's governing Service: the name resolves to the one pod. Not-ready
        // addresses are published because the bridge becomes ready only after Synapse has
        // answered its start-up ping, which Synapse does by calling this name.
        spec: { clusterIP: "None", publishNotReadyAddresses: true, selector, ports: [{ name: "appservice", port, targetPort: "appservice" }] },
      }, child);

      const probe = (path: string, extra: Record<string, number> = {}) => ({ httpGet: { path, port: "appservice" }, timeoutSeconds: 3, ...extra });
      const r = b.sizing.resources;
      this.statefulSets[bridge] = new k8s.apps.v1.StatefulSet(`${name}-${bridge}`, {
        metadata: meta,
        spec: {
          // One process per registration (sizing/bridges.ts): a StatefulSet never runs two pods of
          // one ordinal, so a rollout or reschedule cannot briefly double the bridge.
          replicas: b.sizing.replicas,
          serviceName: svc,
          selector: { matchLabels: selector },
          podManagementPolicy: "OrderedReady",
          updateStrategy: { type: "RollingUpdate" },
          template: {
            metadata: { labels, annotations: { "kubectl.kubernetes.io/default-container": "bridge", ...caTrustAnnotations(databaseCa) } },
            spec: {
              securityContext: restrictedPodSecurityContext(BRIDGE_UID),
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              nodeSelector: args.placement.nodeSelector,
              tolerations: args.placement.tolerations,
              // Its state is in PostgreSQL: a replacement pod starts anywhere at once.
              terminationGracePeriodSeconds: 30,
              containers: [{
                name: "bridge",
                image: imageRef(bridge === "telegram" ? "mautrixTelegram" : "mautrixWhatsapp", args.imageRegistry),
                imagePullPolicy: "IfNotPresent",
                // The image's entrypoint script chowns /data and drops root; run the binary
                // directly, on the read-only config (-n: never rewrite it).
                command: [`/usr/bin/${svc}`, "-n", "-c", `${CONFIG_DIR}/config.yaml`],
                workingDir: "/tmp",
                ports: [{ name: "appservice", containerPort: port }],
                resources: {
                  requests: { cpu: `${r.cpuRequestMillis}m`, memory: `${r.memoryRequestMi}Mi`, "ephemeral-storage": "256Mi" },
                  limits: { cpu: `${r.cpuLimitMillis}m`, memory: `${r.memoryLimitMi}Mi`, "ephemeral-storage": "1Gi" },
                },
                startupProbe: probe("/_matrix/mau/live", { ...STARTUP_PROBE }),
                livenessProbe: probe("/_matrix/mau/live", { periodSeconds: 10, failureThreshold: 3 }),
                readinessProbe: probe("/_matrix/mau/ready", { periodSeconds: 10, failureThreshold: 3 }),
                securityContext: restrictedContainerSecurityContext(BRIDGE_UID, true),
                volumeMounts: [
                  { name: "config", mountPath: CONFIG_DIR, readOnly: true },
                  { name: "tmp", mountPath: "/tmp" },
                  ...(databaseCa ? [{ name: "database-ca", mountPath: BRIDGE_DATABASE_CA_DIR, readOnly: true }] : []),
                ],
              }],
              volumes: [
                { name: "config", secret: { secretName: configSecret.metadata.name, defaultMode: 0o440 } },
                // ffmpeg and lottieconverter write media conversions here.
                { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
                ...(databaseCa ? [{ name: "database-ca", projected: { defaultMode: 0o444, sources: [databaseCa.source] } }] : []),
              ],
            },
          },
        },
      }, { ...child, dependsOn: databaseCa ? [databaseCa.resource] : [] });

      // A node drain may move the one pod (its state is in PostgreSQL), one at a time, as for Synapse main.
      new k8s.policy.v1.PodDisruptionBudget(`${name}-${bridge}`, {
        metadata: meta,
        spec: disruptionBudgetSpec(selector),
      }, child);

      flows.push(...bridgeFlows(args, bridge, port, db.network));
    }

    if (args.flows) args.flows.allowAll(flows, { namePrefix: "bridges", parent: this, resourceName: `${name}-flows` });
    else new FlowPolicies(`${name}-flows`, { flows, namePrefix: "bridges" }, { parent: this, providers: [args.provider] });
    this.registerOutputs({});
  }
}
