/**
 * The two ends of a flow (pods of a workload, or addresses outside the cluster) and the peers
 * every stack shares: cluster DNS, the Gateway's pods, Prometheus, the internet, the API server.
 */
import type * as pulumi from "@pulumi/pulumi";
import { NAMESPACES } from "../../../catalog/namespaces";

export type Protocol = "TCP" | "UDP";

export interface PortSpec {
  port: number;
  /** Last port of a range (`port`..`endPort`), e.g. a media server's UDP range. */
  endPort?: number;
  protocol?: Protocol;
}

/**
 * Pods of one workload: a namespace and a pod label selector. Without `podLabels` the workload is
 * every pod of the namespace (for namespaces whose pods a chart labels, such as the Gateway
 * controller's).
 */
export interface Workload {
  kind?: "pods";
  namespace: string;
  podLabels?: Record<string, string>;
  /** Short name used in policy names; defaults to the app.kubernetes.io/name label. */
  name?: string;
}

/** Addresses outside the cluster (managed databases, the internet, the Kubernetes API). */
export interface External {
  kind: "cidr";
  /** Short name used in descriptions. */
  name?: string;
  /** Plain list in pure code; a Pulumi input (VPC CIDRs, service ranges) in the shell. */
  cidrs: pulumi.Input<string[]>;
  /** Ranges carved out of every CIDR (e.g. private ranges out of 0.0.0.0/0). */
  except?: string[];
}

/** Label every namespace carries since Kubernetes 1.22 (set by the API server, not by us). */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** Cluster DNS: CoreDNS/kube-dns pods in kube-system keep this label on EKS, GKE and kubeadm. */
export const CLUSTER_DNS: Workload = { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" }, name: "cluster-dns" };

/**
 * NodeLocal DNSCache listen addresses (169.254.20.10: the upstream add-on and GKE; 169.254.25.10:
 * kubespray's default). Clusters that run it hand pods this address as their resolver, and the
 * cache pods use host networking, so no pod selector matches them.
 */
export const NODE_LOCAL_DNS = ["169.254.20.10/32", "169.254.25.10/32"];

/**
 * Prometheus pods as prometheus-operator labels them (the monitoring component must keep this
 * label on its Prometheus). Only Prometheus scrapes; Grafana, Loki and Alertmanager do not get
 * into workload namespaces.
 */
export const PROMETHEUS_PODS: Workload = {
  namespace: NAMESPACES.monitoring,
  podLabels: { "app.kubernetes.io/name": "prometheus" },
  name: "prometheus",
};

/**
 * Metrics ports the stack's workloads expose (Synapse 9000, HAProxy stats 8404, Envoy 19001,
 * cert-manager 9402, operators 8080, PostgreSQL exporter 9187, MinIO 9000, Redis exporter 9121).
 * The receiving side of each scrape flow names its own port; this list bounds Prometheus's egress.
 */
export const METRICS_PORTS = [8080, 8404, 9000, 9090, 9121, 9187, 9402, 19001];

/**
 * Every Synapse process of the main homeserver (main and each worker type), as the Matrix stack
 * labels them: the senders of flows that every process has (the database, Redis, spans).
 */
export const SYNAPSE_PODS: Workload = {
  namespace: NAMESPACES.matrix,
  podLabels: { "app.kubernetes.io/component": "synapse", "app.kubernetes.io/part-of": "matrix-platform" },
  name: "synapse",
};

/** Every pod of the Gateway controller namespace (Envoy/Traefik data plane lives there). */
export const EDGE_PODS: Workload = { namespace: NAMESPACES.edge, name: "edge" };

/** RFC 1918 + CGNAT + link-local: carved out of "the internet" so egress to it never reaches the cluster, the VPC or metadata endpoints. */
export const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"];

/** The public internet (federation, push providers, bridges' networks, virus definitions). */
export const INTERNET: External = { kind: "cidr", name: "internet", cidrs: ["0.0.0.0/0"], except: PRIVATE_RANGES };

/**
 * The Kubernetes API server when its address is not known (an existing cluster without
 * `kubeApiCidrs`): any address, scoped by port (443 on managed clusters, 6443 on kubeadm).
 * Platforms that know the address (EKS endpoint ENIs in the private subnets, GKE's control-plane
 * range) hand theirs over instead, through `kubeApiPeer`.
 */
export const KUBE_API: External = { kind: "cidr", name: "kube-api", cidrs: ["0.0.0.0/0"] };
export const KUBE_API_PORTS = [443, 6443];

/** The API server as a flow's destination: its endpoint addresses and ports. */
export function kubeApiPeer(endpoint: { cidrs: pulumi.Input<string[]>; ports: number[] }): { to: External; ports: number[] } {
  return { to: { kind: "cidr", name: "kube-api", cidrs: endpoint.cidrs }, ports: [...endpoint.ports] };
}
