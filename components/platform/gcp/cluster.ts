import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterApiEndpoint } from "../../../config/spec";
import { MASTER_CIDR, SUBNET_CIDR } from "./network";
import { stackTag } from "./naming";

/** GKE minor version (regular release channel keeps patches coming). */
export const GKE_VERSION = "1.35";

/** kubeconfig of a GKE cluster whose user runs gke-gcloud-auth-plugin: short-lived tokens, no credentials in state. */
export function gkeKubeconfig(clusterName: string, endpoint: string, caData: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: clusterName, cluster: { server: `https://${endpoint}`, "certificate-authority-data": caData } }],
    contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
    "current-context": clusterName,
    users: [{ name: clusterName, user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "gke-gcloud-auth-plugin", provideClusterInfo: true } } }],
  });
}

export interface GkeClusterArgs {
  /** Resource name prefix (the platform's name). */
  name: string;
  /** Cluster name. */
  prefix: string;
  /** Stack name, tagged into the node service account's id. */
  stack: string;
  project: string;
  region: string;
  network: pulumi.Input<string>;
  subnetwork: pulumi.Input<string>;
  /** CMEK key of Secrets (its grants must exist first). */
  secretsKey: { key: gcp.kms.CryptoKey; grants: pulumi.Resource[] };
  /** Refuse `pulumi destroy` of the cluster (environment preset `deletionProtection`). */
  deletionProtection: boolean;
  /** What the cluster waits for besides its key (Cloud NAT: private nodes need egress to boot). */
  dependsOn: pulumi.Resource[];
  /** Who may reach the API endpoint (config `clusterApiAccess` / `clusterApiCidrs`). */
  api: ClusterApiEndpoint;
}

/**
 * The GKE control-plane reach for an access choice. Authorized networks are always on and
 * Google's own public ranges are never admitted. Private: only the private endpoint exists in
 * the cluster's kubeconfig, and only the node subnet (where a CI runner or IAP bastion sits) is
 * authorized. Public: the public endpoint admits exactly the listed ranges.
 */
export function gkeEndpointAccess(api: ClusterApiEndpoint): {
  enablePrivateEndpoint: boolean;
  masterAuthorizedNetworksConfig: { gcpPublicCidrsAccessEnabled: false; cidrBlocks: { cidrBlock: string; displayName: string }[] };
} {
  const blocks = api.access === "public"
    ? api.cidrs.map((cidrBlock, i) => ({ cidrBlock, displayName: `operators-${i + 1}` }))
    : [{ cidrBlock: SUBNET_CIDR, displayName: "cluster-subnet" }];
  return {
    enablePrivateEndpoint: api.access === "private",
    masterAuthorizedNetworksConfig: { gcpPublicCidrsAccessEnabled: false, cidrBlocks: blocks },
  };
}

/**
 * A regional private GKE cluster (control plane and nodes in the region's zones): Workload
 * Identity, Dataplane V2, shielded nodes, CMEK-encrypted Secrets, and a least-privilege node
 * service account. The default pool is removed; node-pools.ts adds one pool per tier.
 */
export function createGkeCluster(a: GkeClusterArgs, opts: { parent: pulumi.Resource; provider: gcp.Provider }) {
  const { name, prefix, project } = a;
  const nodeSa = new gcp.serviceaccount.Account(`${name}-nodes`, { accountId: `mx-nodes-${stackTag(a.stack)}`, displayName: "GKE nodes (least privilege)" }, opts);
  const nodeRoles = ["roles/logging.logWriter", "roles/monitoring.metricWriter", "roles/monitoring.viewer", "roles/stackdriver.resourceMetadata.writer", "roles/artifactregistry.reader"].map((role) =>
    new gcp.projects.IAMMember(`${name}-nodes-${role.split("/")[1]}`, { project, role, member: pulumi.interpolate`serviceAccount:${nodeSa.email}` }, opts));
  const endpoint = gkeEndpointAccess(a.api);
  const cluster = new gcp.container.Cluster(`${name}-gke`, {
    name: prefix,
    location: a.region, // regional: control plane and nodes in three zones
    network: a.network,
    subnetwork: a.subnetwork,
    removeDefaultNodePool: true,
    initialNodeCount: 1,
    minMasterVersion: GKE_VERSION,
    releaseChannel: { channel: "REGULAR" },
    deletionProtection: a.deletionProtection,
    ipAllocationPolicy: { clusterSecondaryRangeName: "pods", servicesSecondaryRangeName: "services" },
    privateClusterConfig: { enablePrivateNodes: true, enablePrivateEndpoint: endpoint.enablePrivateEndpoint, masterIpv4CidrBlock: MASTER_CIDR, masterGlobalAccessConfig: { enabled: true } },
    masterAuthorizedNetworksConfig: endpoint.masterAuthorizedNetworksConfig,
    workloadIdentityConfig: { workloadPool: `${project}.svc.id.goog` },
    // Dataplane V2 (eBPF) enforces NetworkPolicy without a separate Calico add-on.
    datapathProvider: "ADVANCED_DATAPATH",
    enableShieldedNodes: true,
    databaseEncryption: { state: "ENCRYPTED", keyName: a.secretsKey.key.id },
    addonsConfig: { gcePersistentDiskCsiDriverConfig: { enabled: true }, httpLoadBalancing: { disabled: false } },
    loggingConfig: { enableComponents: ["SYSTEM_COMPONENTS", "WORKLOADS", "APISERVER"] },
    monitoringConfig: { enableComponents: ["SYSTEM_COMPONENTS"] },
    maintenancePolicy: { recurringWindow: { startTime: "2026-01-03T02:00:00Z", endTime: "2026-01-03T06:00:00Z", recurrence: "FREQ=WEEKLY;BYDAY=SA,SU" } },
    nodeConfig: { serviceAccount: nodeSa.email, shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true }, workloadMetadataConfig: { mode: "GKE_METADATA" } },
  }, { ...opts, dependsOn: [...a.secretsKey.grants, ...a.dependsOn, ...nodeRoles], ignoreChanges: ["nodeConfig", "initialNodeCount"] });
  return { cluster, nodeServiceAccount: nodeSa };
}
