/**
 * MatrixStack: the Matrix namespace with Synapse (main + workers + HAProxy), Element Web, Ketesa,
 * `.well-known` delegation, the Gateway API routes for their hosts and the appservice
 * registrations the bridges use. Consumes only `Platform`, so it is the same on every cloud.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { gatewayListenerName, listenerHostKeys, type PlatformSpec } from "../../config/spec";
import type { Sizing } from "../../sizing/types";
import {
  BRIDGE_APPSERVICES,
  DOUBLE_PUPPET_ID,
  SYNAPSE_PORTS,
  appserviceFileName,
  bridgeAppservice,
  renderAppserviceRegistration,
  renderDoublePuppetRegistration,
  toYaml,
  type AppserviceInput,
  type BridgeName,
} from "../../render/synapse";
import { HAPROXY_PORTS } from "../../render/haproxy";
import { isDeployed } from "../../catalog/components";
import { internalMtlsOn } from "../../catalog/internal-tls";
import { WORKER_TYPES } from "../../catalog/workers";
import { standardLabels } from "../k8s/labels";
import { NAMESPACES } from "../../catalog/namespaces";
import { StackNamespace } from "../k8s/namespace";
import { EDGE_PODS, FlowPolicies, INTERNET, SYNAPSE_PODS, type FlowSpec, type NetworkFlows, type Workload } from "../k8s/network";
import type { Platform } from "../contracts";
import { HAPROXY_SERVICE } from "./haproxy";
import { SynapseCluster, synapseSelector } from "./synapse";
import { MatrixWeb, STATIC_SITE_PORT, WEB_SERVICES } from "./web";
import { customResource } from "../k8s/custom-resource";

export { SynapseCluster } from "./synapse";
export { SynapseHaproxy } from "./haproxy";
export { MatrixWeb } from "./web";

export interface MatrixStackArgs {
  /** Validated platform spec. */
  spec: PlatformSpec;
  /** Sizing of every workload (worker counts, HPA bounds, resources, component replicas). */
  sizing: Sizing;
  /** The platform the stack runs on (databases, Redis, object store, gateway, provider). */
  platform: Platform;
  /**
   * The stack's flow registry (program.ts creates it): the Matrix namespace and flows are declared
   * on it and become policies when the program materializes it (Prometheus's scrapes are the
   * monitoring component's, from the registry's scrape targets).
   * Without one (a component test), the stack creates its own FlowPolicies for the same flows.
   */
  flows?: NetworkFlows;
  /** Sygnal's Service address when push is deployed (PushGateway.address). */
  pushGatewayAddress?: pulumi.Input<string>;
  /** While LI is deployed: the key vault's service token and the LI public key, for Synapse's key-store module. */
  keyVault?: { serviceToken: pulumi.Input<string>; publicKeyPem: pulumi.Input<string> };
}

/** What a bridge needs of its registration: the one source its config is rendered from too. */
export interface BridgeRegistration {
  /** The registration input Synapse's file was rendered from: ID, URL, tokens, bot, namespaces (secret). */
  appservice: pulumi.Output<AppserviceInput>;
  /** The appservice registration YAML Synapse loads (secret). */
  registration: pulumi.Output<string>;
}

/** The HTTPRoute objects for the homeserver, Element and admin hosts (pure; tested without Pulumi). */
export function matrixRoutes(spec: PlatformSpec, gateway: Platform["gateway"], namespace: string): { name: string; spec: Record<string, unknown> }[] {
  const parent = (key: "matrix" | "element" | "admin" | "delegation") => [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: gateway.name, namespace: gateway.namespace, sectionName: gatewayListenerName(key) }];
  const backend = (name: string, port: number) => [{ group: "", kind: "Service", name, namespace, port }];
  return [
    {
      name: "matrix",
      spec: {
        parentRefs: parent("matrix"),
        hostnames: [spec.hosts.matrix],
        rules: [
          { matches: [{ path: { type: "PathPrefix", value: "/.well-known/matrix" } }], backendRefs: backend(WEB_SERVICES.wellKnown, STATIC_SITE_PORT) },
          // Client and federation API; /sync long-polls, so the Gateway must wait as long as HAProxy does.
          { matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: backend(HAPROXY_SERVICE, HAPROXY_PORTS.client), timeouts: { request: "180s" } },
        ],
      },
    },
    {
      name: "element",
      spec: { parentRefs: parent("element"), hostnames: [spec.hosts.element], rules: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: backend(WEB_SERVICES.element, STATIC_SITE_PORT) }] },
    },
    {
      name: "admin",
      // Ketesa talks to Synapse on its own host: the admin API is served here and nowhere else
      // (HAProxy refuses /_synapse/admin for any other host, and from outside adminSourceRanges).
      spec: {
        parentRefs: parent("admin"),
        hostnames: [spec.hosts.admin],
        rules: [
          { matches: [{ path: { type: "PathPrefix", value: "/_synapse/admin" } }, { path: { type: "PathPrefix", value: "/_matrix/client" } }], backendRefs: backend(HAPROXY_SERVICE, HAPROXY_PORTS.client) },
          { matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: backend(WEB_SERVICES.admin, STATIC_SITE_PORT) },
        ],
      },
    },
    // Federation and clients look up `@user:<serverName>` at https://<serverName>/.well-known/matrix;
    // the bare server name serves nothing else.
    ...(listenerHostKeys(spec.hosts).includes("delegation")
      ? [{
          name: "delegation",
          spec: {
            parentRefs: parent("delegation"),
            hostnames: [spec.hosts.delegation],
            rules: [{ matches: [{ path: { type: "PathPrefix", value: "/.well-known/matrix" } }], backendRefs: backend(WEB_SERVICES.wellKnown, STATIC_SITE_PORT) }],
          },
        }]
      : []),
  ];
}

/** The network flows the Matrix workloads need (pure). */
export function matrixFlows(platform: Pick<Platform, "databases" | "redis" | "objectStore">, namespace: string, opts: { mtls?: boolean } = {}): FlowSpec[] {
  const synapse: Workload = { ...SYNAPSE_PODS, namespace };
  const media: Workload = { namespace, podLabels: synapseSelector("media-repository"), name: "synapse-media-repository" };
  const haproxy: Workload = { namespace, podLabels: { "app.kubernetes.io/name": "haproxy" }, name: "haproxy" };
  const web = (n: string): Workload => ({ namespace, podLabels: { "app.kubernetes.io/name": n }, name: n });
  return [
    { from: EDGE_PODS, to: haproxy, ports: [HAPROXY_PORTS.client], description: "Gateway -> HAProxy (client and federation API)" },
    { from: EDGE_PODS, to: web(WEB_SERVICES.element), ports: [STATIC_SITE_PORT], description: "Gateway -> Element Web" },
    { from: EDGE_PODS, to: web(WEB_SERVICES.admin), ports: [STATIC_SITE_PORT], description: "Gateway -> Ketesa" },
    { from: EDGE_PODS, to: web(WEB_SERVICES.wellKnown), ports: [STATIC_SITE_PORT], description: "Gateway -> .well-known delegation" },
    // With mutual TLS HAProxy reaches only the pods' TLS proxies: the HTTP listeners bind 127.0.0.1.
    opts.mtls
      ? { from: haproxy, to: synapse, ports: [SYNAPSE_PORTS.mtls], description: "HAProxy -> the Synapse pods' mutual-TLS proxies" }
      : { from: haproxy, to: synapse, ports: [SYNAPSE_PORTS.http], description: "HAProxy -> Synapse HTTP listeners" },
    { from: synapse, to: synapse, ports: [SYNAPSE_PORTS.replication], description: "Synapse replication between processes" },
    { from: synapse, to: platform.databases.synapse.network, description: "Synapse -> PostgreSQL" },
    { from: synapse, to: platform.redis.network, description: "Synapse -> Redis (replication pub/sub, cache)" },
    { from: media, to: platform.objectStore.network, description: "media workers -> object store" },
    // Only the processes that dial out themselves reach the internet, on the ports their catalogue
    // entry names (federation senders: every other process proxies federation through them over
    // replication; pushers: push gateways). Every deployment plans at least one federation sender.
    ...WORKER_TYPES.filter((t) => t.internetEgress).map((t): FlowSpec => ({
      from: { namespace, podLabels: synapseSelector(t.name), name: `synapse-${t.name}` },
      to: INTERNET,
      ports: [...t.internetEgress!.ports],
      description: t.internetEgress!.description,
    })),
  ];
}

export class MatrixStack extends pulumi.ComponentResource {
  /** The Matrix namespace (other components in it depend on this). */
  readonly namespace: StackNamespace;
  readonly synapse: SynapseCluster;
  readonly web: MatrixWeb;
  /** Registrations per deployed bridge, for the bridge components. */
  readonly bridges: Partial<Record<BridgeName, BridgeRegistration>>;
  /** as_token of the double-puppeting registration (secret), when a bridge is deployed. */
  readonly doublePuppetToken?: pulumi.Output<string>;
  /** The client API as in-cluster programs reach it (HAProxy's Service). */
  readonly clientUrl: string;
  /** The Synapse process that pushes transactions to and pings the appservices. */
  readonly appserviceSender: Workload;
  /** HAProxy's pods and client port (where in-cluster clients send client-API traffic). */
  readonly clientEntry: { workload: Workload; port: number };
  /** TURN shared secret (secret) for coturn, when RTC is deployed. */
  readonly turnSharedSecret?: pulumi.Output<string>;
  /** The scan workers' bearer token (secret) when antivirus is deployed: Synapse's module sends it. */
  readonly scanWorkerToken?: pulumi.Output<string>;

  constructor(name: string, args: MatrixStackArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("matrix-platform:matrix:MatrixStack", name, {}, opts);
    const { spec, sizing, platform } = args;
    const nsName = NAMESPACES.matrix;
    const child = { parent: this, provider: platform.provider };

    this.namespace = new StackNamespace(`${name}-namespace`, { name: nsName, component: "matrix", flows: args.flows }, { parent: this, providers: [platform.provider], dependsOn: platform.ready });
    const ns = this.namespace.name;

    // Appservice registrations for the deployed bridges (tokens from @pulumi/random), and the
    // double-puppeting one they share.
    this.bridges = {};
    const registrations: Record<string, pulumi.Output<string>> = {};
    const token = (id: string, kind: string) => new random.RandomPassword(`${name}-${id}-${kind}`, { length: 64, special: false }, { parent: this }).result;
    const sender = (id: string) => new random.RandomString(`${name}-${id}-sender`, { length: 32, special: false, upper: false }, { parent: this }).result;
    for (const bridge of Object.keys(BRIDGE_APPSERVICES) as BridgeName[]) {
      if (!spec.bridges[bridge].enabled) continue;
      const appservice = pulumi.secret(pulumi.all([token(bridge, "as-token"), token(bridge, "hs-token"), sender(bridge)]).apply(([a, h, s]) =>
        bridgeAppservice(bridge, { serverName: spec.serverName, namespace: nsName, asToken: a, hsToken: h, senderLocalpart: s })));
      const registration = pulumi.secret(appservice.apply((as) => toYaml(renderAppserviceRegistration(as))));
      registrations[appserviceFileName(bridge)] = registration;
      this.bridges[bridge] = { appservice, registration };
    }
    if (Object.keys(this.bridges).length > 0) {
      const asToken = token(DOUBLE_PUPPET_ID, "as-token");
      this.doublePuppetToken = pulumi.secret(asToken);
      registrations[appserviceFileName(DOUBLE_PUPPET_ID)] = pulumi.secret(pulumi.all([asToken, token(DOUBLE_PUPPET_ID, "hs-token"), sender(DOUBLE_PUPPET_ID)]).apply(([a, h, s]) =>
        toYaml(renderDoublePuppetRegistration({ asToken: a, hsToken: h, senderLocalpart: s, serverName: spec.serverName }))));
    }
    this.clientUrl = `http://${HAPROXY_SERVICE}.${nsName}.svc.cluster.local:${HAPROXY_PORTS.client}`;
    this.appserviceSender = { namespace: nsName, podLabels: synapseSelector("appservice"), name: "synapse-appservice" };
    this.clientEntry = { workload: { namespace: nsName, podLabels: { "app.kubernetes.io/name": "haproxy" }, name: "haproxy" }, port: HAPROXY_PORTS.client };
    if (isDeployed("rtc", spec)) {
      this.turnSharedSecret = pulumi.secret(new random.RandomPassword(`${name}-turn-secret`, { length: 64, special: false }, { parent: this }).result);
    }

    if (isDeployed("antivirus", spec)) {
      this.scanWorkerToken = pulumi.secret(new random.RandomPassword(`${name}-scan-worker-token`, { length: 64, special: false }, { parent: this }).result);
    }

    this.synapse = new SynapseCluster(`${name}-synapse`, {
      spec, sizing, platform, namespace: ns, namespaceName: nsName, appservices: registrations, turnSharedSecret: this.turnSharedSecret,
      scanWorkerToken: this.scanWorkerToken,
      pushGatewayAddress: args.pushGatewayAddress, keyVault: args.keyVault,
    }, { parent: this });
    this.web = new MatrixWeb(`${name}-web`, { spec, sizing, platform, namespace: ns }, { parent: this });

    for (const route of matrixRoutes(spec, platform.gateway, nsName)) {
      customResource(`${name}-route-${route.name}`, {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name: route.name, namespace: ns, labels: standardLabels(route.name, "route") },
        spec: route.spec,
      }, child, platform.crdProviders);
    }

    // Prometheus's scrapes are declared by the monitoring component from the registry's targets.
    const flows = matrixFlows(platform, nsName, { mtls: internalMtlsOn(spec) });
    // Under this component and the name it used before the registry, so the policies keep their URNs.
    if (args.flows) args.flows.allowAll(flows, { namePrefix: "matrix", parent: this, resourceName: `${name}-flows` });
    else new FlowPolicies(`${name}-flows`, { flows, namePrefix: "matrix" }, { parent: this, providers: [platform.provider], dependsOn: [this.namespace] });

    this.registerOutputs({ namespace: ns });
  }
}
