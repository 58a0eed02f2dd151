import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { ChartName } from "../../catalog/charts";
import type { AddonName } from "../../catalog/addons";
import { crdProvidersOf } from "../k8s/custom-resource";
import { readExistingAddon } from "../k8s/existing-addon";
import { deployedHosts, isDeployed } from "../../catalog/components";
import { internalMtlsOn } from "../../catalog/internal-tls";
import { IMAGES, imageRef, imageRepository } from "../../catalog/images";
import { gatewayListenerName, hostLabel, listenerHostKeys, type PlatformSpec, type Hosts } from "../../config/spec";
import type { NodeTier, Sizing, WorkloadSizing } from "../../sizing/types";
import { standardLabels } from "../k8s/labels";
import { NAMESPACES } from "../../catalog/namespaces";
import { StackNamespace } from "../k8s/namespace";
import type { NetworkFlows } from "../k8s/network";
import { clusterAddonFlows } from "../k8s/network/platform-flows";
import { declarePlatformFlows } from "./flows";
import { helmPlacement } from "./placement";
import type { CrdProviders, KubeApiEndpoint, Placement } from "../contracts";
import { chartRelease } from "../k8s/chart-release";
import { customResource } from "../k8s/custom-resource";

/** Names the rest of the stack refers to; fixed so routes and certificates can name them. */
export const GATEWAY_CLASS = "envoy";
export const GATEWAY_NAME = "matrix";
export const ACME_ISSUER = "letsencrypt";
export const CA_ISSUER = "matrix-ca";
/** The in-cluster root CA of the self-signed chain (Secret in the cert-manager namespace). */
export const ROOT_CA_SECRET = "matrix-root-ca";
/** Envoy Gateway's controller name, which its GatewayClass must carry. */
const ENVOY_CONTROLLER = "gateway.envoyproxy.io/gatewayclass-controller";
/** Plugin name CloudNativePG clusters reference for barman-cloud backups. */


/**
 * What the add-ons take from the stack's configuration and sizing: the same for every platform,
 * so createPlatform builds it once (`addonSettings`) and each platform passes it through.
 */
export interface AddonSettings {
  /** Two replicas and disruption budgets for the controllers (the environment preset's `highAvailability`). */
  highAvailability: boolean;
  /** Replicas, HPA bounds, resources and tier of the Envoy proxies (sizing.components.edgeProxy). */
  edgeProxy: WorkloadSizing;
  /** One HTTPS listener (and certificate) per host, in this order (`gatewayHosts`). */
  listeners: { key: keyof Hosts; host: string }[];
  /** Which ClusterIssuer signs the edge certificates; the ACME account e-mail when ACME. */
  tls: PlatformSpec["tls"];
  /** The stack's domain, named in the self-signed root CA. */
  domain: string;
  /** The monitoring stack is deployed: declare the add-ons' scrape flows. */
  monitoring: boolean;
  /** Registry that replaces every image's registry (air-gapped sites). Default: the images' own. */
  imageRegistry?: string;
  /** Repository that replaces every chart's repository (air-gapped sites). Default: the charts' own. */
  chartRepository?: string;
  /** Local chart paths by add-on (config `addonCharts`) that replace any repository. Default: none. */
  localCharts?: Partial<Record<AddonName, string>>;
  /** Add-ons the cluster already runs (config `existingAddons`): read and checked, not installed. Default: none. */
  existing?: readonly AddonName[];
  /** Run the internal CA (mutual TLS between HAProxy and Synapse needs it on every platform). */
  internalCa: boolean;
}

export interface ClusterAddonsArgs extends AddonSettings {
  /** Provider of the cluster the add-ons go into. */
  provider: k8s.Provider;
  /** Where pods of a node tier are scheduled (labels/taints of that tier's pool). */
  placement: (tier: NodeTier) => Placement;
  /** Install the CloudNativePG operator and its Barman Cloud backup plugin (on-prem databases). */
  cloudnativePg: boolean;
  /** Install the MinIO operator (on-prem object store). */
  minioOperator: boolean;
  /** The API server's endpoint addresses and ports (the platform's `kubeApi`). */
  kubeApi: KubeApiEndpoint;
  /** Annotations for the edge LoadBalancer Service (cloud load-balancer flavour, scheme). Default: none. */
  loadBalancerAnnotations?: Record<string, string>;
  /** Resources that must exist before anything is scheduled (node pools, CNI/CSI add-ons). Default: none. */
  dependsOn?: pulumi.Resource[];
  /**
   * The stack's flow registry: the add-ons' flows are declared on it. Default: absent, and the
   * add-ons write their own FlowPolicies.
   */
  flows?: NetworkFlows;
}

/** The add-on settings of a stack, from its spec and sizing. */
export function addonSettings(spec: PlatformSpec, sizing: Pick<Sizing, "preset" | "components">): AddonSettings {
  return {
    highAvailability: sizing.preset.highAvailability,
    edgeProxy: sizing.components.edgeProxy,
    listeners: gatewayHosts(spec),
    tls: spec.tls,
    domain: spec.domain,
    monitoring: isDeployed("monitoring", spec),
    imageRegistry: spec.imageRegistry,
    chartRepository: spec.chartRepository,
    localCharts: spec.addonCharts,
    existing: spec.existingAddons,
    internalCa: internalMtlsOn(spec),
  };
}

/**
 * Hosts that get an HTTPS listener (and its certificate) on the shared Gateway: the hosts of the
 * deployed systems, from the component registry (coturn's TURN host is no HTTP host: it speaks
 * TURN/TLS on its own ports).
 */
export function gatewayHosts(spec: PlatformSpec): { key: keyof Hosts; host: string }[] {
  return listenerHostKeys(spec.hosts, deployedHosts(spec)).map((key) => ({ key, host: spec.hosts[key] }));
}


/**
 * Cluster add-ons every platform needs, installed the same way on AWS, GCP and on-prem:
 * cert-manager with the ClusterIssuers, Envoy Gateway with the shared Gateway, and — where the
 * platform runs its own data services — the CloudNativePG and MinIO operators. All charts come
 * from catalog/charts.ts and honour `chartRepository` / `imageRegistry` for air-gapped sites.
 */
export class ClusterAddons extends pulumi.ComponentResource {
  readonly gateway: { className: string; namespace: string; name: string };
  readonly clusterIssuer: string;
  /** What the Matrix stack must wait for before creating routes, certificates and pods. */
  readonly ready: pulumi.Resource[];
  /** cert-manager's release, or where the cluster runs its own, the read of its Certificate CRD. */
  readonly certManager: pulumi.Resource;
  readonly envoyGateway: k8s.helm.v3.Release;
  readonly cloudnativePg?: k8s.helm.v3.Release;
  readonly barmanCloudPlugin?: k8s.helm.v3.Release;
  readonly minioOperator?: k8s.helm.v3.Release;
  /** The release behind each API group the add-ons define (catalog/addons.ts). */
  readonly crdProviders: CrdProviders;
  /** Namespaces this component created, by name. */
  readonly namespaces: Record<string, k8s.core.v1.Namespace> = {};

  constructor(name: string, args: ClusterAddonsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-platform:platform:ClusterAddons", name, {}, opts);
    const { provider } = args;
    const ha = args.highAvailability;
    const registry = args.imageRegistry;
    const childOpts = (extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions => ({ parent: this, provider, ...extra });
    const system = helmPlacement(args.placement("system"));
    const edge = args.placement(args.edgeProxy.tier);

    // Namespaces the add-ons live in. cert-manager meets the "restricted" Pod Security Standard;
    // operator-managed pods (Envoy proxies, operators) are enforced at "baseline" and warned at
    // "restricted", because their pod specs are the operators' and not ours to fix. The lower
    // level is for those generated pods only: any pod template this program renders into these
    // namespaces is held to "restricted" by the validation gate (scripts/validate.ts).
    // StackNamespace adds the default-deny and DNS policies; the add-ons' own flows follow below.
    const ns = (key: keyof typeof NAMESPACES, enforce: "restricted" | "baseline") => {
      const n = new StackNamespace(`${name}-${NAMESPACES[key]}`, {
        name: NAMESPACES[key],
        labels: standardLabels(NAMESPACES[key], "namespace", "platform"),
        podSecurity: enforce,
        ...(enforce === "baseline" ? { podSecurityReason: "pods created by upstream charts and operators (Envoy proxies, operators), whose pod specs are not ours to fix; audit and warn stay at restricted" } : {}),
        flows: args.flows,
      }, { parent: this, provider, dependsOn: args.dependsOn }).namespace;
      this.namespaces[NAMESPACES[key]] = n;
      return n;
    };
    // An existing cert-manager keeps its own namespace (and its own policies in it).
    const certManagerExisting = args.existing?.includes("cert-manager") ?? false;
    const certManagerNs = certManagerExisting ? undefined : ns("certManager", "restricted");
    const edgeNs = ns("edge", "baseline");
    const operatorsNs = args.cloudnativePg || args.minioOperator ? ns("operators", "baseline") : undefined;

    const release = (rname: string, chart: ChartName, namespace: k8s.core.v1.Namespace, values: Record<string, unknown>, dependsOn: pulumi.Resource[] = []) =>
      chartRelease(`${name}-${rname}`, { releaseName: rname, chart, chartRepository: args.chartRepository, localCharts: args.localCharts, namespace: namespace.metadata.name, values }, childOpts({ dependsOn: [namespace, ...dependsOn] }));

    // cert-manager: Gateway API support on, so Gateway listeners get certificates from the
    // `cert-manager.io/cluster-issuer` annotation; CRDs kept when the release is removed so
    // certificates survive a reinstall.
    const existingCertManager = certManagerExisting ? readExistingAddon(`${name}-existing-cert-manager`, "cert-manager", { provider, parent: this }) : undefined;
    this.certManager = existingCertManager ? existingCertManager.crds[0] : release("cert-manager", "certManager", certManagerNs!, {
      crds: { enabled: true, keep: true },
      replicaCount: ha ? 2 : 1,
      podDisruptionBudget: { enabled: ha, minAvailable: 1 },
      config: { apiVersion: "controller.config.cert-manager.io/v1alpha1", kind: "ControllerConfiguration", enableGatewayAPI: true },
      ...(registry ? { imageRegistry: registry } : {}),
      ...system,
      webhook: { replicaCount: ha ? 2 : 1, podDisruptionBudget: { enabled: ha, minAvailable: 1 }, ...system },
      cainjector: { replicaCount: ha ? 2 : 1, podDisruptionBudget: { enabled: ha, minAvailable: 1 }, ...system },
      startupapicheck: { ...system },
    });

    // Envoy Gateway controller; it also installs the Gateway API CRDs.
    this.envoyGateway = release("envoy-gateway", "envoyGateway", edgeNs, {
      ...(registry ? { global: { imageRegistry: registry } } : {}),
      deployment: { replicas: ha ? 2 : 1, pod: { ...system } },
      podDisruptionBudget: { minAvailable: ha ? 1 : 0 },
    });
    // The custom resources below depend on these two releases (their CRDs) directly.
    const certManagerCrds = existingCertManager?.crds ?? [this.certManager];
    const crds = crdProvidersOf({ "cert-manager": certManagerCrds, "envoy-gateway": this.envoyGateway });
    const afterGatewayCrds = childOpts({ dependsOn: [this.envoyGateway] });
    const afterCertManager = childOpts({ dependsOn: [this.certManager] });

    // The Envoy data plane: proxies on the edge tier, as many as sizing asks, autoscaled, with a
    // disruption budget so node drains never take the edge down.
    const edgeSizing = args.edgeProxy;
    const envoyProxy = customResource(`${name}-envoy-proxy`, {
      apiVersion: "gateway.envoyproxy.io/v1alpha1",
      kind: "EnvoyProxy",
      metadata: { name: "edge", namespace: NAMESPACES.edge, labels: standardLabels("envoy", "edge", "platform") },
      spec: {
        provider: {
          type: "Kubernetes",
          kubernetes: {
            envoyDeployment: {
              replicas: edgeSizing.replicas,
              pod: {
                nodeSelector: edge.nodeSelector,
                tolerations: edge.tolerations,
                // Spread proxies over zones/nodes so one failure domain never holds them all.
                topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { "app.kubernetes.io/name": "envoy" } } }],
              },
              container: {
                // Named here, not left to the controller: its compiled-in default ignores the
                // chart's `global.imageRegistry`, so an air-gapped site would pull from docker.io.
                image: imageRef("envoyProxy", registry),
                resources: {
                  requests: { cpu: `${edgeSizing.resources.cpuRequestMillis}m`, memory: `${edgeSizing.resources.memoryRequestMi}Mi` },
                  limits: { memory: `${edgeSizing.resources.memoryLimitMi}Mi` },
                },
              },
            },
            envoyHpa: { minReplicas: edgeSizing.minReplicas, maxReplicas: Math.max(edgeSizing.maxReplicas, edgeSizing.minReplicas) },
            envoyPDB: { minAvailable: edgeSizing.minReplicas > 1 ? 1 : 0 },
            envoyService: {
              type: "LoadBalancer",
              // Keep client source IPs (rate limits, audit logs) instead of SNAT-ing through nodes.
              externalTrafficPolicy: "Local",
              annotations: args.loadBalancerAnnotations ?? {},
            },
          },
        },
      },
    }, afterGatewayCrds, crds);

    const gatewayClass = customResource(`${name}-gateway-class`, {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "GatewayClass",
      metadata: { name: GATEWAY_CLASS, labels: standardLabels("envoy", "edge", "platform") },
      spec: {
        controllerName: ENVOY_CONTROLLER,
        parametersRef: { group: "gateway.envoyproxy.io", kind: "EnvoyProxy", name: "edge", namespace: NAMESPACES.edge },
      },
    }, childOpts({ dependsOn: [this.envoyGateway, envoyProxy] }), crds);

    // ClusterIssuers. ACME uses http01 through the shared Gateway (cert-manager creates the
    // solver HTTPRoute); otherwise a self-signed root signs a CA issuer, and that CA (5-year
    // validity, as air-gapped sites ask) signs every edge certificate.
    const issuers: pulumi.Resource[] = [];
    let clusterIssuer: string;
    if (args.tls.issuer === "acme") {
      clusterIssuer = ACME_ISSUER;
      issuers.push(customResource(`${name}-acme-issuer`, {
        apiVersion: "cert-manager.io/v1",
        kind: "ClusterIssuer",
        metadata: { name: ACME_ISSUER, labels: standardLabels("cert-manager", "issuer", "platform") },
        spec: {
          acme: {
            server: "https://acme-v02.api.letsencrypt.org/directory",
            email: args.tls.acmeEmail,
            privateKeySecretRef: { name: `${ACME_ISSUER}-account-key` },
            solvers: [{ http01: { gatewayHTTPRoute: { parentRefs: [{ kind: "Gateway", name: GATEWAY_NAME, namespace: NAMESPACES.edge, sectionName: "http" }] } } }],
          },
        },
      }, afterCertManager, crds));
    } else {
      clusterIssuer = CA_ISSUER;
      const bootstrap = customResource(`${name}-selfsigned-issuer`, {
        apiVersion: "cert-manager.io/v1",
        kind: "ClusterIssuer",
        metadata: { name: "selfsigned-bootstrap", labels: standardLabels("cert-manager", "issuer", "platform") },
        spec: { selfSigned: {} },
      }, afterCertManager, crds);
      const rootCa = customResource(`${name}-root-ca`, {
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        metadata: { name: ROOT_CA_SECRET, namespace: NAMESPACES.certManager, labels: standardLabels("cert-manager", "ca", "platform") },
        spec: {
          isCA: true,
          commonName: `${args.domain} root CA`,
          secretName: ROOT_CA_SECRET,
          duration: "43800h", // 5 years
          renewBefore: "8760h",
          privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
          issuerRef: { name: "selfsigned-bootstrap", kind: "ClusterIssuer", group: "cert-manager.io" },
        },
      }, childOpts({ dependsOn: [this.certManager, bootstrap] }), crds);
      issuers.push(bootstrap, rootCa, customResource(`${name}-ca-issuer`, {
        apiVersion: "cert-manager.io/v1",
        kind: "ClusterIssuer",
        metadata: { name: CA_ISSUER, labels: standardLabels("cert-manager", "issuer", "platform") },
        spec: { ca: { secretName: ROOT_CA_SECRET } },
      }, childOpts({ dependsOn: [this.certManager, rootCa] }), crds));
    }
    this.clusterIssuer = clusterIssuer;

    // The shared Gateway: plain HTTP only for ACME challenges and the redirect below, one HTTPS
    // listener per public host with its own certificate. Routes may attach only from the
    // stack's own namespaces.
    const routeNamespaces = [
      NAMESPACES.matrix, NAMESPACES.li, NAMESPACES.monitoring, NAMESPACES.edge,
      // Sygnal's namespace only while its public route is served.
      ...(args.listeners.some((l) => l.key === "push") ? [NAMESPACES.push] : []),
    ];
    const allowedRoutes = {
      namespaces: { from: "Selector", selector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: routeNamespaces }] } },
    };
    const gateway = customResource(`${name}-gateway`, {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: {
        name: GATEWAY_NAME,
        namespace: NAMESPACES.edge,
        labels: standardLabels("envoy", "edge", "platform"),
        annotations: { "cert-manager.io/cluster-issuer": clusterIssuer },
      },
      spec: {
        gatewayClassName: GATEWAY_CLASS,
        listeners: [
          { name: "http", port: 80, protocol: "HTTP", allowedRoutes },
          ...args.listeners.map(({ key, host }) => ({
            name: gatewayListenerName(key),
            hostname: host,
            port: 443,
            protocol: "HTTPS",
            tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: `${hostLabel(key)}-tls` }] },
            allowedRoutes,
          })),
        ],
      },
    }, childOpts({ dependsOn: [gatewayClass, ...issuers] }), crds);

    // TLS 1.3 only at the edge (technical specification 1.3: "TLS 1.3 for all external
    // communications"); HTTP/2 and HTTP/1.1 via ALPN.
    const tlsPolicy = customResource(`${name}-client-tls`, {
      apiVersion: "gateway.envoyproxy.io/v1alpha1",
      kind: "ClientTrafficPolicy",
      metadata: { name: "tls13", namespace: NAMESPACES.edge, labels: standardLabels("envoy", "edge", "platform") },
      spec: {
        targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: GATEWAY_NAME }],
        tls: { minVersion: "1.3", alpnProtocols: ["h2", "http/1.1"] },
      },
    }, childOpts({ dependsOn: [gateway] }), crds);

    // Every plain-HTTP request is redirected to HTTPS; ACME solver routes (exact paths) win over
    // this catch-all, so http01 challenges still work.
    const redirect = customResource(`${name}-https-redirect`, {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "https-redirect", namespace: NAMESPACES.edge, labels: standardLabels("envoy", "edge", "platform") },
      spec: {
        parentRefs: [{ name: GATEWAY_NAME, sectionName: "http" }],
        rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }],
      },
    }, childOpts({ dependsOn: [gateway] }), crds);

    const ready: pulumi.Resource[] = [this.certManager, this.envoyGateway, gateway, ...issuers, tlsPolicy, redirect];

    if (args.cloudnativePg && operatorsNs) {
      const pgImage = imageRef("postgresql", registry);
      this.cloudnativePg = release("cnpg", "cloudnativePg", operatorsNs, {
        replicaCount: ha ? 2 : 1,
        ...(registry ? { image: { repository: imageRepository("cnpgOperator", registry) } } : {}),
        // Default operand image: the catalogue's PostgreSQL, through the registry override.
        config: { data: { POSTGRES_IMAGE_NAME: pgImage } },
        monitoring: { podMonitorEnabled: false, grafanaDashboard: { create: false } },
        ...system,
      });
      // Barman Cloud plugin: WAL archiving and base backups to the object store. It needs
      // cert-manager (mTLS between the operator and the plugin) and the operator's namespace.
      this.barmanCloudPlugin = release("barman-cloud", "barmanCloudPlugin", operatorsNs, {
        ...(registry
          ? {
              image: { registry, repository: IMAGES.barmanCloudPlugin.repository }, // this chart joins image.registry + "/" + image.repository
              sidecarImage: { registry, repository: IMAGES.barmanCloudSidecar.repository },
            }
          : {}),
        ...system,
      }, [this.cloudnativePg, this.certManager]);
      ready.push(this.cloudnativePg, this.barmanCloudPlugin);
    }
    if (args.minioOperator && operatorsNs) {
      this.minioOperator = release("minio-operator", "minioOperator", operatorsNs, {
        operator: {
          replicaCount: ha ? 2 : 1,
          ...(registry
            ? {
                image: { repository: imageRepository("minioOperator", registry) },
                // The operator injects its sidecar into every Tenant pod from OPERATOR_SIDECAR_IMAGE
                // (default quay.io/minio/operator-sidecar). Helm replaces lists whole, so the chart's
                // default entry (STS on) is repeated.
                env: [
                  { name: "OPERATOR_STS_ENABLED", value: "on" },
                  { name: "OPERATOR_SIDECAR_IMAGE", value: imageRef("minioSidecar", registry) },
                ],
              }
            : {}),
          ...system,
        },
      });
      ready.push(this.minioOperator);
    }

    // What the add-ons may send and receive (components/k8s/network/platform-flows.ts); everything else
    // stays denied by the namespaces' default-deny.
    declarePlatformFlows(`${name}-flows`, "addons",
      clusterAddonFlows({ certManager: !certManagerExisting, cloudnativePg: args.cloudnativePg, minioOperator: args.minioOperator, monitoring: args.monitoring, kubeApi: args.kubeApi }),
      { flows: args.flows, provider, parent: this, dependsOn: Object.values(this.namespaces) });

    this.crdProviders = crdProvidersOf({
      "cert-manager": certManagerCrds, "envoy-gateway": this.envoyGateway,
      "cloudnative-pg": this.cloudnativePg, "barman-cloud-plugin": this.barmanCloudPlugin, "minio-operator": this.minioOperator,
    });
    this.gateway = { className: GATEWAY_CLASS, namespace: NAMESPACES.edge, name: GATEWAY_NAME };
    this.ready = ready;
    // The existing add-ons' checks: the run waits for them, and a failed one stops it.
    this.registerOutputs({ gateway: this.gateway, clusterIssuer: this.clusterIssuer, ...(existingCertManager ? { existingCertManagerCrds: existingCertManager.checked } : {}) });
  }
}
