import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";
import type { PublicPortRule } from "../../../render/rtc/exposure";

export const SUBNET_CIDR = "10.50.0.0/20";
const PODS_CIDR = "10.64.0.0/14";
const SERVICES_CIDR = "10.68.0.0/20";
/** Control plane range of the private cluster. */
export const MASTER_CIDR = "172.16.0.0/28";
/** Private services access range (Cloud SQL, Memorystore); fixed so network policies can name it. */
export const PRIVATE_SERVICES_ADDRESS = "10.100.0.0";
export const PRIVATE_SERVICES_PREFIX = 16;
export const PRIVATE_SERVICES_CIDR = `${PRIVATE_SERVICES_ADDRESS}/${PRIVATE_SERVICES_PREFIX}`;

export interface GcpNetworkArgs {
  /** Resource name prefix (the platform's name). */
  name: string;
  /** Name prefix of the network resources. */
  prefix: string;
  region: string;
  /** The enabled APIs. */
  dependsOn: pulumi.Resource[];
}

export interface GcpNetwork {
  network: gcp.compute.Network;
  subnet: gcp.compute.Subnetwork;
  nat: gcp.compute.RouterNat;
  /** Private services access peering: Cloud SQL and Memorystore wait for it. */
  peering: gcp.servicenetworking.Connection;
}

/**
 * A VPC with pod/service secondary ranges, Cloud NAT (one regional gateway: the only egress of
 * the private nodes), the webhook firewall rule the private control plane needs, and private
 * services access for Cloud SQL and Memorystore.
 */
export function createGcpNetwork(a: GcpNetworkArgs, opts: { parent: pulumi.Resource; provider: gcp.Provider }): GcpNetwork {
  const { name, prefix, region } = a;
  const network = new gcp.compute.Network(`${name}-vpc`, { name: `${prefix}-vpc`, autoCreateSubnetworks: false, routingMode: "REGIONAL" }, { ...opts, dependsOn: a.dependsOn });
  const subnet = new gcp.compute.Subnetwork(`${name}-nodes`, {
    name: `${prefix}-nodes`,
    network: network.id,
    region,
    ipCidrRange: SUBNET_CIDR,
    privateIpGoogleAccess: true,
    secondaryIpRanges: [
      { rangeName: "pods", ipCidrRange: PODS_CIDR },
      { rangeName: "services", ipCidrRange: SERVICES_CIDR },
    ],
    logConfig: { aggregationInterval: "INTERVAL_5_SEC", flowSampling: 0.5, metadata: "INCLUDE_ALL_METADATA" },
  }, opts);
  const router = new gcp.compute.Router(`${name}-router`, { name: `${prefix}-router`, network: network.id, region }, opts);
  // Private nodes reach registries and ACME through Cloud NAT only.
  const nat = new gcp.compute.RouterNat(`${name}-nat`, {
    name: `${prefix}-nat`,
    router: router.name,
    region,
    natIpAllocateOption: "AUTO_ONLY",
    sourceSubnetworkIpRangesToNat: "ALL_SUBNETWORKS_ALL_IP_RANGES",
    logConfig: { enable: true, filter: "ERRORS_ONLY" },
  }, opts);
  // The private control plane may call admission webhooks on the nodes (cert-manager,
  // Envoy Gateway, CloudNativePG); GKE opens only 443/10250 by default.
  new gcp.compute.Firewall(`${name}-webhooks`, {
    name: `${prefix}-master-webhooks`,
    network: network.id,
    direction: "INGRESS",
    sourceRanges: [MASTER_CIDR],
    allows: [{ protocol: "tcp", ports: ["8443", "9443", "10250"] }],
  }, opts);
  const privateRange = new gcp.compute.GlobalAddress(`${name}-private-services`, {
    name: `${prefix}-private-services`,
    network: network.id,
    purpose: "VPC_PEERING",
    addressType: "INTERNAL",
    address: PRIVATE_SERVICES_ADDRESS,
    prefixLength: PRIVATE_SERVICES_PREFIX,
  }, opts);
  const peering = new gcp.servicenetworking.Connection(`${name}-private-services`, {
    network: network.id,
    service: "servicenetworking.googleapis.com",
    reservedPeeringRanges: [privateRange.name],
  }, opts);
  return { network, subnet, nat, peering };
}

export interface MediaFirewallArgs {
  /** Resource name prefix (the platform's name). */
  name: string;
  /** Name prefix of the GCE resources. */
  prefix: string;
  network: pulumi.Input<string>;
  /** The media and TURN ports the internet may reach (render/rtc/exposure.ts), and nothing else. */
  rules: PublicPortRule[];
}

/**
 * Firewall rule of the RTC media nodes (LiveKit and coturn on host networking): the internet
 * reaches exactly the media and TURN ports of the nodes carrying the returned network tag.
 */
export function createMediaFirewall(a: MediaFirewallArgs, opts: { parent: pulumi.Resource; provider: gcp.Provider }): string {
  const tag = `${a.prefix}-rtc-media`;
  const byProtocol = new Map<string, string[]>();
  for (const r of a.rules) byProtocol.set(r.protocol, [...(byProtocol.get(r.protocol) ?? []), r.from === r.to ? String(r.from) : `${r.from}-${r.to}`]);
  new gcp.compute.Firewall(`${a.name}-rtc-media`, {
    name: tag,
    network: a.network,
    direction: "INGRESS",
    description: "MatrixRTC media and TURN ports from the internet",
    sourceRanges: ["0.0.0.0/0"],
    targetTags: [tag],
    allows: [...byProtocol].map(([protocol, ports]) => ({ protocol, ports })),
  }, opts);
  return tag;
}
