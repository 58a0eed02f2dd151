import type { CcuActivity } from "./activity";
import type { AntivirusSpec } from "./antivirus-keys";
import type { ClusterApiAccess, Environment, PlatformKind, ProfileName, RtcNodeAddress, SizingModel, TlsIssuer } from "./keys";
import type { ProjectImagesSpec } from "./image-keys";
import type { AddonName } from "./addon-chart-keys";

/** Public host names of the services, all derived from `domain` in one place. */
export interface Hosts {
  /** Client-server and federation API (HAProxy in front of Synapse). */
  matrix: string;
  /** Element Web. */
  element: string;
  /** Ketesa (synapse-admin). */
  admin: string;
  /** LiveKit SFU and lk-jwt-service. */
  rtc: string;
  /** coturn. */
  turn: string;
  /** Grafana. */
  grafana: string;
  /** Sygnal's public route (only with `pushPublicRoute`). */
  push: string;
  /** Lawful-intercept Synapse, Element and admin. */
  liMatrix: string;
  liElement: string;
  liAdmin: string;
  /**
   * The server name's own host: it serves only `/.well-known/matrix/*`, which delegates clients
   * and federating servers for `@user:<serverName>` to the `matrix` host.
   */
  delegation: string;
}

/** DNS-label form of a host key (`liMatrix` -> `li-matrix`), for listener and Secret names. */
export function hostLabel(key: keyof Hosts): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Name of a host's HTTPS listener on the shared Gateway; routes attach to it by this name. */
export function gatewayListenerName(key: keyof Hosts): string {
  return `https-${hostLabel(key)}`;
}

/**
 * Host keys that get their own HTTPS listener: each host name once (a Gateway rejects two
 * listeners with the same host name), first key wins. When the server name is also a service
 * host, that service's route serves the delegation files and no separate listener exists.
 */
export function listenerHostKeys(hosts: Hosts, keys: (keyof Hosts)[] = Object.keys(hosts) as (keyof Hosts)[]): (keyof Hosts)[] {
  const seen = new Set<string>();
  return keys.filter((k) => (seen.has(hosts[k]) ? false : (seen.add(hosts[k]), true)));
}

/** An inclusive port range. */
export interface PortRange {
  start: number;
  end: number;
}

/** MatrixRTC media settings (used only when the rtc switch is on). */
export interface RtcSpec {
  /** LiveKit's WebRTC UDP range on each RTC node. */
  livekitUdpPorts: PortRange;
  /** coturn's relay range on each TURN node; disjoint from `livekitUdpPorts`. */
  turnRelayPorts: PortRange;
  /** How LiveKit finds the address it advertises: public STUN, or the node's own address (air-gapped). */
  nodeAddress: RtcNodeAddress;
}

/** Who may reach the managed Kubernetes API endpoint (aws and gcp platforms). */
export interface ClusterApiEndpoint {
  /** private: reachable only from inside the VPC; public: also from `cidrs` on the internet. */
  access: ClusterApiAccess;
  /** Internet ranges admitted when access is public; empty when private. */
  cidrs: string[];
}

export interface BridgeSpec {
  /** Whether the bridge is deployed (feature switch on and accounts > 0). */
  enabled: boolean;
  /** Bridged accounts it is sized for. */
  accounts: number;
  /**
   * Telegram's API credentials (my.telegram.org), from secret stack config; set whenever the
   * Telegram bridge is deployed (validation refuses it otherwise). The hash is a secret.
   */
  telegramApi?: { apiId: number; apiHash: string };
}

/** Who may use the bridges (bridge.permissions); nobody else can. */
export interface BridgePermissions {
  /** Matrix user IDs with admin rights. */
  admins: string[];
  /** Matrix user IDs or whole server names allowed to log in. */
  users: string[];
}

/** An iOS app Sygnal pushes to through APNs with token-based auth. */
export interface ApnsApp {
  kind: "apns";
  /** Sygnal's app ID: the `app_id` of the app's pushers. */
  appId: string;
  /** The app's bundle ID. */
  topic: string;
  keyId: string;
  teamId: string;
  platform: "production" | "sandbox";
  /** The .p8 auth key's PEM (secret: the component wraps it before it reaches a resource). */
  authKeyPem: string;
}

/** An Android app Sygnal pushes to through Firebase Cloud Messaging API v1. */
export interface FcmApp {
  kind: "fcm";
  appId: string;
  projectId: string;
  /** The service account's JSON key file (secret: the component wraps it). */
  serviceAccountJson: string;
}

export type PushApp = ApnsApp | FcmApp;

/** The push gateway's apps and routing; no apps when push is off. */
export interface PushSpec {
  apps: PushApp[];
  /** Serve Sygnal at https://<hosts.push>/ on the shared Gateway. */
  publicRoute: boolean;
}

/** The validated, fully defaulted configuration every other layer reads. */
export interface PlatformSpec {
  /** Pulumi stack name, used in resource names. */
  stack: string;
  platform: PlatformKind;
  environment: Environment;
  /** Production-grade redundancy: true for prod. */
  highAvailability: boolean;
  /** Concurrent users the stack is sized for. */
  ccu: number;
  /** The named profile when the stack chose one instead of a CCU number. */
  profile?: ProfileName;
  sizingModel: SizingModel;
  /** The stack's changes to the CCU activity model (`capacityActivity`); sizing/activity.ts puts them over catalog/activity.ts's defaults. */
  capacityActivity: Partial<CcuActivity>;
  domain: string;
  /** Matrix server name (user IDs are @user:serverName). */
  serverName: string;
  hosts: Hosts;
  bridges: { telegram: BridgeSpec; whatsapp: BridgeSpec; permissions: BridgePermissions };
  /**
   * Feature switches of the optional systems (catalog/components.ts says which system each
   * deploys); all default to off.
   */
  features: { li: boolean; antivirus: boolean; monitoring: boolean; rtc: boolean; push: boolean; bridges: boolean };
  /** MatrixRTC media ports and address discovery. */
  rtc: RtcSpec;
  /** Sygnal's apps and public route (config/push.ts). */
  push: PushSpec;
  /** freshclam's mirror and the scan module's failure mode (config/antivirus-keys.ts). */
  antivirus: AntivirusSpec;
  /** Hosts served only when their config asks (the registry's `optionalHosts`). */
  optionalHosts: Partial<Record<keyof Hosts, boolean>>;
  /** Cloud placement; `region` is undefined on the existing-cluster platform. */
  cloud: { region?: string; secondaryRegion?: string; gcpProject?: string; clusterApi?: ClusterApiEndpoint };
  /** Existing-cluster access; only set on the existing platform. */
  existing: {
    kubeconfig?: string;
    kubeContext?: string;
    /** StorageClass of every PersistentVolumeClaim: `encryptedStorageClass` when given, else `storageClass`. */
    storageClass?: string;
    /** The class was given as `encryptedStorageClass`: the operator states it encrypts volumes at rest. */
    storageEncrypted?: boolean;
    kubeApiCidrs?: string[];
    offsiteBackup?: OffsiteBackupSpec;
  };
  /** Registry that replaces every image's registry, for air-gapped sites. */
  imageRegistry?: string;
  /** The project's own images (images/): where builds are pushed, the package index, prebuilt references. */
  projectImages: ProjectImagesSpec;
  /** Chart repository that replaces every Helm repository, for air-gapped sites. */
  chartRepository?: string;
  /** Local chart paths (config `addonCharts`) that replace any repository for those add-ons; empty for none. */
  addonCharts: Partial<Record<AddonName, string>>;
  /** Add-ons the cluster already runs (config `existingAddons`): not installed, their CRDs checked; empty for none. */
  existingAddons: AddonName[];
  tls: { issuer: TlsIssuer; acmeEmail?: string };
  /** The monitoring system's settings (used only when it is deployed). */
  monitoring: {
    /** How long Prometheus keeps samples (Prometheus duration, e.g. "15d"). */
    retention: string;
    /** How many days Loki keeps pod logs (its compactor's retention_period). */
    logRetentionDays: number;
    /**
     * Share of Synapse's requests that start a trace (0..1) when the config sets one; otherwise
     * the environment preset's (`Sizing.preset.traceSamplingRatio`) applies.
     */
    traceSamplingRatio?: number;
    /** Where alerts go; each credential is a plaintext config secret that only reaches a Kubernetes Secret. */
    alerting: {
      email?: { to: string; from: string; smarthost: string; username?: string; password?: string };
      webhookUrl?: string;
      pagerdutyRoutingKey?: string;
      matrixWebhookUrl?: string;
    };
  };
  synapse: {
    /** Synapse duration string, or null for "never prune". */
    redactionRetentionPeriod: string | null;
    /** Upload limit as the stack wrote it (`100M`). */
    maxUploadSize: string;
    /** The same limit in bytes: what Synapse's max_upload_size and HAProxy's 413 rule are rendered with. */
    maxUploadBytes: number;
  };
  /** Synapse's admin API (served only on the admin host). */
  admin: {
    /** Client CIDRs allowed to reach /_synapse/admin through the edge; empty: none outside the cluster. */
    sourceRanges: string[];
  };
  /** The lawful-intercept instance (deployed with `features.li`). */
  li: {
    /** Client CIDRs the LI hosts' routes admit at the Gateway; empty when LI is off. */
    investigatorCidrs: string[];
  };
  /** The server name and signing key may be replaced (otherwise protected; see allowIdentityChange). */
  allowIdentityChange: boolean;
  /**
   * Mutual TLS between HAProxy and Synapse as configured (`internalMtls`); absent when the key is
   * unset and the environment preset decides. Read it through catalog/internal-tls.ts `internalMtlsOn`.
   */
  internalMtls?: boolean;
  /** Keys (short names) whose values arrived as Pulumi secrets. */
  secretConfig: string[];
}

/**
 * Where the existing platform copies its database backups off-site (config/offsite-backup.ts):
 * an S3-compatible bucket outside the cluster. The credentials are plaintext config secrets that
 * only reach a Kubernetes Secret.
 */
export interface OffsiteBackupSpec {
  /** http(s):// URL of the endpoint, no path. */
  endpoint: string;
  bucket: string;
  /** Region requests are signed for. */
  region: string;
  /** IPv4 ranges of the endpoint; undefined: the public internet. */
  cidrs?: string[];
  accessKeyId: string;
  secretAccessKey: string;
}
