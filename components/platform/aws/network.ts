import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PublicPortRule } from "../../../render/rtc/exposure";

export const VPC_CIDR = "10.40.0.0/16";
/** Private (nodes, pods, data) and public (NLB, NAT) subnets, one of each per AZ, in AZ order. */
export const PRIVATE_CIDRS = ["10.40.0.0/19", "10.40.32.0/19", "10.40.64.0/19"];
export const PUBLIC_CIDRS = ["10.40.96.0/22", "10.40.100.0/22", "10.40.104.0/22"];
/** EKS and RDS subnet groups refuse fewer than two AZs, whatever the preset asks. */
export const MIN_AWS_ZONES = 2;

/**
 * AZs to spread the VPC over: the preset's zones, at least the two EKS and RDS require and at
 * most the subnets laid out above; and how many NAT gateways, at most one per AZ.
 */
export function vpcLayout(zones: number, natGateways: number): { zones: number; natGateways: number } {
  const z = Math.min(Math.max(zones, MIN_AWS_ZONES), PRIVATE_CIDRS.length);
  return { zones: z, natGateways: Math.min(Math.max(1, natGateways), z) };
}

/** NAT gateway the private subnet of AZ `zone` routes through: its own, else the last one. */
export function natIndexFor(zone: number, natGateways: number): number {
  return Math.min(zone, natGateways - 1);
}

export interface AwsNetworkArgs {
  /** Resource name prefix (the platform's name). */
  name: string;
  /** Name prefix for the Name tags. */
  prefix: string;
  /** Region, for the S3 gateway endpoint's service name. */
  region: string;
  /** Availability zones the preset spreads over (environment preset `zones`). */
  zones: number;
  /** NAT gateways (environment preset `natGateways`): one per AZ keeps egress when an AZ is lost. */
  natGateways: number;
}

export interface AwsNetwork {
  vpc: aws.ec2.Vpc;
  privateSubnetIds: pulumi.Output<string>[];
  /** Public subnets (NAT, NLB; the RTC media nodes when calls are deployed). */
  publicSubnetIds: pulumi.Output<string>[];
  /** CIDRs of the private subnets (where the data services' ENIs are). */
  privateCidrs: string[];
  natGateways: aws.ec2.NatGateway[];
}

/**
 * The VPC: private subnets for nodes and data, public subnets only for the NLB and NAT, NAT
 * gateways as the preset asks, and an S3 gateway endpoint so media never pays NAT processing.
 */
export function createNetwork(a: AwsNetworkArgs, opts: { parent: pulumi.Resource; provider: aws.Provider }): AwsNetwork {
  const { name, prefix } = a;
  const o = (extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions => ({ ...opts, ...extra });
  const layout = vpcLayout(a.zones, a.natGateways);
  const azs = aws.getAvailabilityZonesOutput({ state: "available" }, opts);
  const vpc = new aws.ec2.Vpc(`${name}-vpc`, {
    cidrBlock: VPC_CIDR,
    enableDnsHostnames: true,
    enableDnsSupport: true,
    tags: { Name: `${prefix}-vpc` },
  }, o());
  const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: { Name: `${prefix}-igw` } }, o());
  const publicRt = new aws.ec2.RouteTable(`${name}-public`, {
    vpcId: vpc.id,
    routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
    tags: { Name: `${prefix}-public` },
  }, o());
  const nats: aws.ec2.NatGateway[] = [];
  const publicSubnets: aws.ec2.Subnet[] = [];
  for (let i = 0; i < layout.zones; i++) {
    const pub = new aws.ec2.Subnet(`${name}-public-${i}`, {
      vpcId: vpc.id,
      cidrBlock: PUBLIC_CIDRS[i],
      availabilityZone: azs.names.apply((n) => n[i]),
      mapPublicIpOnLaunch: false,
      tags: { Name: `${prefix}-public-${i}`, "kubernetes.io/role/elb": "1" },
    }, o());
    new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: pub.id, routeTableId: publicRt.id }, o());
    publicSubnets.push(pub);
    if (i < layout.natGateways) {
      const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: "vpc", tags: { Name: `${prefix}-nat-${i}` } }, o());
      nats.push(new aws.ec2.NatGateway(`${name}-nat-${i}`, { allocationId: eip.id, subnetId: pub.id, tags: { Name: `${prefix}-nat-${i}` } }, o({ dependsOn: [igw] })));
    }
  }
  const privateSubnets: aws.ec2.Subnet[] = [];
  const privateRts: aws.ec2.RouteTable[] = [];
  for (let i = 0; i < layout.zones; i++) {
    const priv = new aws.ec2.Subnet(`${name}-private-${i}`, {
      vpcId: vpc.id,
      cidrBlock: PRIVATE_CIDRS[i],
      availabilityZone: azs.names.apply((n) => n[i]),
      tags: { Name: `${prefix}-private-${i}`, "kubernetes.io/role/internal-elb": "1" },
    }, o());
    const rt = new aws.ec2.RouteTable(`${name}-private-${i}`, {
      vpcId: vpc.id,
      routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nats[natIndexFor(i, nats.length)].id }],
      tags: { Name: `${prefix}-private-${i}` },
    }, o());
    new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: priv.id, routeTableId: rt.id }, o());
    privateSubnets.push(priv);
    privateRts.push(rt);
  }
  new aws.ec2.VpcEndpoint(`${name}-s3-endpoint`, {
    vpcId: vpc.id,
    serviceName: `com.amazonaws.${a.region}.s3`,
    vpcEndpointType: "Gateway",
    routeTableIds: privateRts.map((rt) => rt.id),
    tags: { Name: `${prefix}-s3` },
  }, o());
  return { vpc, privateSubnetIds: privateSubnets.map((s) => s.id), publicSubnetIds: publicSubnets.map((s) => s.id), privateCidrs: PRIVATE_CIDRS.slice(0, layout.zones), natGateways: nats };
}

export interface DataSecurityGroupArgs {
  /** Resource name prefix (the platform's name). */
  name: string;
  /** Name prefix for the Name tag. */
  prefix: string;
  /** Short service name, part of the resource name ("postgres", "redis"). */
  service: string;
  vpcId: pulumi.Input<string>;
  /** The only port opened. */
  port: number;
  /** Security group description. */
  description: string;
  /** EKS cluster security group: its nodes and pods are the only sources admitted. */
  clusterSecurityGroupId: pulumi.Input<string>;
}

/** Security group of a data service: one port, from the EKS cluster only. */
export function createDataSecurityGroup(a: DataSecurityGroupArgs, opts: { parent: pulumi.Resource; provider: aws.Provider }): aws.ec2.SecurityGroup {
  const sg = new aws.ec2.SecurityGroup(`${a.name}-${a.service}`, {
    vpcId: a.vpcId,
    description: a.description,
    tags: { Name: `${a.prefix}-${a.service}` },
  }, opts);
  new aws.vpc.SecurityGroupIngressRule(`${a.name}-${a.service}-from-cluster`, {
    securityGroupId: sg.id,
    referencedSecurityGroupId: a.clusterSecurityGroupId,
    ipProtocol: "tcp",
    fromPort: a.port,
    toPort: a.port,
    description: "from EKS nodes and pods",
  }, opts);
  return sg;
}

export interface MediaSecurityGroupArgs {
  /** Resource name prefix (the platform's name). */
  name: string;
  /** Name prefix for the Name tag. */
  prefix: string;
  vpcId: pulumi.Input<string>;
  /** The media and TURN ports the internet may reach (render/rtc/exposure.ts), and nothing else. */
  rules: PublicPortRule[];
}

/**
 * Security group of the RTC media nodes (LiveKit and coturn on host networking): the internet
 * reaches exactly the media and TURN ports. Signalling and tokens come through the Gateway's NLB.
 */
export function createMediaSecurityGroup(a: MediaSecurityGroupArgs, opts: { parent: pulumi.Resource; provider: aws.Provider }): aws.ec2.SecurityGroup {
  const sg = new aws.ec2.SecurityGroup(`${a.name}-rtc-media`, {
    vpcId: a.vpcId,
    description: "MatrixRTC media and TURN ports from the internet",
    tags: { Name: `${a.prefix}-rtc-media` },
  }, opts);
  for (const r of a.rules) {
    new aws.vpc.SecurityGroupIngressRule(`${a.name}-rtc-media-${r.protocol}-${r.from}`, {
      securityGroupId: sg.id,
      cidrIpv4: "0.0.0.0/0",
      ipProtocol: r.protocol,
      fromPort: r.from,
      toPort: r.to,
      description: r.description,
    }, opts);
  }
  return sg;
}
