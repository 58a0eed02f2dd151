/**
 * The one table of configuration keys. Pulumi.yaml declares exactly these keys (a test holds the
 * two together), the parser in ./parse.ts validates them, and the README lists them.
 *
 * Pulumi hands every config value over as a string (objects arrive as JSON), so each key's
 * `parse` turns the raw string into a typed value or returns `undefined` when it is not allowed;
 * `allowed` is the human sentence the error message quotes.
 */
import { isIPv4, isIPv6 } from "net";
import { PUSH_CONFIG_KEYS } from "./push-keys";
import { OFFSITE_BACKUP_CONFIG_KEYS } from "./offsite-backup-keys";
import { ANTIVIRUS_CONFIG_KEYS } from "./antivirus-keys";
import { CAPACITY_CONFIG_KEYS } from "./capacity-keys";
import { ADDON_CHART_CONFIG_KEYS } from "./addon-chart-keys";
import { boolean, cidrList, fraction, integer, isImageRegistry, list, oneOf, pattern, type ConfigKey } from "./key-kinds";
import { PROJECT_IMAGE_CONFIG_KEYS } from "./image-keys";

export type { ConfigKey, PulumiConfigType } from "./key-kinds";
export { isCanonicalIpv4Cidr } from "./key-kinds";

export const PLATFORMS = ["aws", "gcp", "existing"] as const;
export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
export const PROFILE_NAMES = ["100", "1k", "5k", "10k", "20k"] as const;
export const SIZING_MODELS = ["profile", "seed-analysis", "measured"] as const;
export const TLS_ISSUERS = ["acme", "selfsigned"] as const;
export const CLUSTER_API_ACCESS = ["private", "public"] as const;
/** CCU of each named profile of the architecture document. */
export const PROFILE_CCU = { "100": 100, "1k": 1_000, "5k": 5_000, "10k": 10_000, "20k": 20_000 } as const;
export const MIN_CCU = 100;
export const MAX_CCU = 20_000;

export type PlatformKind = (typeof PLATFORMS)[number];
export type Environment = (typeof ENVIRONMENTS)[number];
export type ProfileName = (typeof PROFILE_NAMES)[number];
export type SizingModel = (typeof SIZING_MODELS)[number];
export type TlsIssuer = (typeof TLS_ISSUERS)[number];
/** How LiveKit learns the address it advertises in its ICE candidates (config `rtcNodeAddress`). */
export const RTC_NODE_ADDRESSES = ["stun", "node"] as const;
export type RtcNodeAddress = (typeof RTC_NODE_ADDRESSES)[number];
export type ClusterApiAccess = (typeof CLUSTER_API_ACCESS)[number];

const MXID = /^@[a-z0-9._=\/+-]+:[a-z0-9.-]+(:\d+)?$/;
const MXID_OR_DOMAIN = /^(@[a-z0-9._=\/+-]+:)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d+)?$/;

// RFC 1123 host name with at least two labels; Matrix server names are DNS names here.
const DNS_NAME = /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

// A Kubernetes DNS subdomain (RFC 1123): what a StorageClass name must be.
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const STORAGE_CLASS_ALLOWED = "a Kubernetes StorageClass name (a DNS subdomain: lower-case labels of letters, digits and '-', joined by '.', at most 253 characters)";

/** Largest upload limit: far below the 64-bit integers HAProxy and Synapse compare sizes in. */
export const MAX_UPLOAD_BYTES = 64 * 1024 ** 3;
const SIZE_UNITS = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 } as const;

/** `50M` -> bytes (K, M, G are powers of 1024, as Synapse reads them), or undefined. */
export function uploadSizeBytes(raw: string): number | undefined {
  const m = /^([1-9]\d{0,6})([KMG])$/.exec(raw);
  if (!m) return undefined;
  const bytes = Number(m[1]) * SIZE_UNITS[m[2] as keyof typeof SIZE_UNITS];
  return bytes <= MAX_UPLOAD_BYTES ? bytes : undefined;
}

/** An http(s) or oci URL with a host and no user name or password in it (those would be logged). */
function isChartRepository(raw: string): boolean {
  if (/\s/.test(raw)) return false;
  try {
    const url = new URL(raw);
    return ["http:", "https:", "oci:"].includes(url.protocol) && url.hostname !== "" && url.username === "" && url.password === "" && raw.startsWith(`${url.protocol}//`);
  } catch {
    return false;
  }
}

/** One CIDR: an IPv4 or IPv6 address with a prefix length in range. */
function isCidr(s: string): boolean {
  const [addr, len, ...rest] = s.split("/");
  if (rest.length > 0 || len === undefined || !/^\d{1,3}$/.test(len)) return false;
  const bits = Number(len);
  return (isIPv4(addr) && bits <= 32) || (isIPv6(addr) && bits <= 128);
}

export const CONFIG_KEYS = {
  platform: oneOf(PLATFORMS, "Where the platform runs: AWS (EKS, RDS, S3, ElastiCache), GCP (GKE, Cloud SQL, GCS, Memorystore) or an existing Kubernetes cluster with in-cluster data services."),
  environment: oneOf(ENVIRONMENTS, "Environment preset: prod enforces high-availability minimums, deletion protection and cross-region copies."),
  ccu: integer(MIN_CCU, MAX_CCU, "Concurrent users to size for. Mutually exclusive with `profile`."),
  profile: oneOf(PROFILE_NAMES, "Named CCU profile of the architecture document (100, 1k, 5k, 10k, 20k). Mutually exclusive with `ccu`."),
  domain: pattern(DNS_NAME, "a lower-case DNS name such as example.com", "Base DNS domain; service hosts are matrix.<domain>, chat.<domain>, admin.<domain>, rtc.<domain>, turn.<domain>. Required (or `serverName`) on staging and prod: the server name is permanent."),
  serverName: pattern(DNS_NAME, "a lower-case DNS name such as example.com", "Matrix server name (the part after ':' in user IDs). Defaults to `domain`."),
  telegramAccounts: integer(0, 100_000, "Bridged Telegram accounts to size mautrix-telegram for; 0 turns the Telegram bridge off."),
  whatsappAccounts: integer(0, 100_000, "Bridged WhatsApp accounts to size mautrix-whatsapp for; 0 turns the WhatsApp bridge off."),
  telegramApiId: { ...integer(1, 2_147_483_647, "Telegram API ID from my.telegram.org for mautrix-telegram (required when the Telegram bridge is deployed; set it with --secret)."), secret: true },
  telegramApiHash: { ...pattern(/^[0-9a-f]{32}$/, "the 32 hexadecimal characters my.telegram.org gives as api_hash", "Telegram API hash from my.telegram.org for mautrix-telegram (required when the Telegram bridge is deployed; set it with --secret)."), secret: true },
  bridgeAdmins: list(MXID, "a comma-separated list of Matrix user IDs such as @ops:example.com", "Matrix users with admin rights on both bridges (bridge.permissions admin). Default: none."),
  bridgeUsers: list(MXID_OR_DOMAIN, "a comma-separated list of Matrix user IDs or server names such as example.com,@guest:partner.org", "Matrix users or whole servers allowed to log in to the bridges (bridge.permissions user); nobody else can use them. Default: the server name."),
  region: pattern(/^[a-z]{2,}(-[a-z]+)+-?\d+$/, "a region of the chosen cloud such as us-east-1 (AWS) or us-central1 (GCP)", "Primary cloud region (aws and gcp platforms); one of the regions listed in catalog/regions.ts."),
  secondaryRegion: pattern(/^[a-z]{2,}(-[a-z]+)+-?\d+$/, "a region of the chosen cloud such as us-west-2 (AWS) or us-east1 (GCP)", "Second region for replicated backups and media (production); one of the regions listed in catalog/regions.ts."),
  gcpProject: pattern(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "a GCP project ID: 6-30 lower-case letters, digits or hyphens, starting with a letter", "GCP project to deploy into (gcp platform)."),
  kubeconfig: {
    ...pattern(/^(?=[\s\S]*\S)[^\x00-\x08\x0b\x0c\x0e-\x1f]+$/, "a path to a kubeconfig file or kubeconfig YAML", "Kubeconfig (path or content) of the existing cluster; defaults to the ambient kubeconfig. Content carries credentials: set it with `pulumi config set --secret`."),
    secret: true,
  },
  kubeContext: pattern(/^\S+$/, "a kubeconfig context name without spaces", "Kubeconfig context of the existing cluster."),
  kubeApiCidrs: cidrList("IPv4 ranges of the existing cluster's API server endpoints (`kubectl get endpoints kubernetes -n default`), so operators' egress is opened to them only (existing platform)."),
  ...OFFSITE_BACKUP_CONFIG_KEYS,
  storageClass: pattern(DNS_SUBDOMAIN, STORAGE_CLASS_ALLOWED, "StorageClass for persistent volumes on the existing cluster."),
  encryptedStorageClass: pattern(DNS_SUBDOMAIN, STORAGE_CLASS_ALLOWED, "StorageClass that encrypts volumes at rest (LUKS/dm-crypt under the provisioner, an encrypting CSI driver, self-encrypting drives), used by every PersistentVolumeClaim on the existing cluster in place of storageClass; setting it states that the class encrypts. Production without it gets a warning: the databases, Redis and MinIO's drives would sit on volumes of unknown encryption."),
  sizingModel: oneOf(SIZING_MODELS, "Sizing coefficients: `profile` follows the architecture document's CCU tables, `seed-analysis` the hardware analysis's per-user formulas, `measured` the per-user costs `npm run bench:capacity` measured (catalog/measurements/, docs/capacity.md) under the activity model."),
  ...CAPACITY_CONFIG_KEYS,
  imageRegistry: {
    type: "string",
    allowed: "a lower-case registry host with optional port (1-65535) and path, such as registry.internal:5000/mirror, at most 128 characters",
    parse: (raw: string) => (isImageRegistry(raw) ? raw : undefined),
    description: "Registry that every container image is pulled from instead of its public home (air-gapped sites).",
  },
  ...PROJECT_IMAGE_CONFIG_KEYS,
  chartRepository: {
    type: "string",
    allowed: "an http(s):// or oci:// URL with no user name or password in it",
    parse: (raw: string) => (isChartRepository(raw) ? raw : undefined),
    description: "Helm chart repository that replaces every public chart repository (air-gapped sites).",
  },
  ...ADDON_CHART_CONFIG_KEYS,
  clusterApiAccess: oneOf(CLUSTER_API_ACCESS, "Reach of the EKS / GKE API endpoint: private (only from inside the VPC, the default) or public for the ranges in `clusterApiCidrs` (aws and gcp platforms)."),
  clusterApiCidrs: cidrList("IPv4 ranges allowed to reach a public EKS / GKE API endpoint; required when clusterApiAccess is public."),
  tlsIssuer: oneOf(TLS_ISSUERS, "How cert-manager issues edge certificates: ACME (Let's Encrypt) or a self-signed CA."),
  acmeEmail: pattern(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, "an e-mail address", "Contact e-mail for the ACME account (required when tlsIssuer is acme)."),
  li: boolean("Deploy the lawful-intercept instance (synapse-li, element-web-li, synapse-admin-li, sync system) and the key vault. Default false."),
  liInvestigatorCidrs: cidrList("IPv4 ranges the LI investigators connect from: the LI hosts' routes (synapse-li, element-web-li, synapse-admin-li) admit only these at the Gateway; required when li is true."),
  antivirus: boolean("Deploy ClamAV, scan workers and Synapse's media-scanning hook. Default false."),
  ...ANTIVIRUS_CONFIG_KEYS,
  monitoring: boolean("Deploy Prometheus, Alertmanager and Grafana with the scrape targets, alert rules and dashboards of every deployed system, Loki with Grafana Alloy for pod logs, and Jaeger for Synapse's traces. Default false."),
  rtc: boolean("Deploy MatrixRTC calls: LiveKit SFU, lk-jwt-service and coturn. Default false."),
  livekitUdpPorts: pattern(/^\d{1,5}-\d{1,5}$/, "a UDP port range such as 50000-60000", "UDP port range of LiveKit's WebRTC media on each RTC node (host networking; the firewall rules open it). Default 50000-60000."),
  turnRelayPorts: pattern(/^\d{1,5}-\d{1,5}$/, "a UDP port range such as 40000-49999", "UDP relay port range coturn allocates on each TURN node (the firewall rules open it); must not overlap livekitUdpPorts. Default 40000-49999."),
  rtcNodeAddress: oneOf(RTC_NODE_ADDRESSES, "Address LiveKit advertises to clients: `stun` asks public STUN servers for the node's public address; `node` uses the node's own address from Kubernetes, for air-gapped sites and nodes with routable addresses. Default stun."),
  push: boolean("Deploy the Sygnal push gateway. Default false."),
  bridges: boolean("Deploy the Telegram and WhatsApp bridges (each also needs its account count above 0). Default false."),
  redactionRetentionPeriod: pattern(/^(\d+[smhdwy]|never)$/, "a duration such as 7d, 30d or 1y, or never", "How long the main Synapse keeps redacted event content before pruning it."),
  logRetentionDays: integer(1, 3650, "How many days Loki keeps pod logs (monitoring); its compactor deletes older chunks from the logs bucket. Default 30, the specification's compliance figure (30 days minimum retention)."),
  traceSamplingRatio: fraction("Share of Synapse's requests that start a trace, sent to Jaeger (monitoring). Default from the environment: 1 in dev, 0.1 in staging, 0.01 in prod."),
  monitoringRetention: pattern(/^[1-9]\d*[dw]$/, "a number of days or weeks such as 15d or 4w", "How long Prometheus keeps samples (monitoring); the volume size, from the profile, also caps it. Default 15d."),
  alertEmailTo: pattern(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, "an e-mail address", "Where Alertmanager e-mails warning and critical alerts (needs alertEmailFrom and alertSmarthost)."),
  alertEmailFrom: pattern(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, "an e-mail address", "Sender address of the alert e-mails."),
  alertSmarthost: pattern(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?:\d{1,5}$/, "host:port of an SMTP server such as smtp.example.com:587", "SMTP server the alert e-mails go through (STARTTLS required)."),
  alertSmtpUsername: pattern(/^\S+$/, "an SMTP user name without spaces", "SMTP user for the alert e-mails; with alertSmtpPassword."),
  alertSmtpPassword: pattern(/^\S+$/, "a password without spaces (set it with `pulumi config set --secret`)", "SMTP password for the alert e-mails (secret)."),
  alertWebhookUrl: pattern(/^https?:\/\/\S+$/, "an http(s):// URL (set it with `pulumi config set --secret`)", "Webhook that receives every warning and critical alert in Alertmanager's JSON (secret: it often carries a token)."),
  alertPagerdutyRoutingKey: pattern(/^[0-9a-zA-Z]{32}$/, "a 32-character PagerDuty Events API v2 integration key (set it with `pulumi config set --secret`)", "PagerDuty routing key: critical alerts page the on-call (secret)."),
  alertMatrixWebhookUrl: pattern(/^https?:\/\/\S+$/, "an http(s):// URL (set it with `pulumi config set --secret`)", "Webhook of an alertmanager-to-Matrix receiver posting to the operators' room, e.g. matrix-alertmanager-receiver's /alerts/<room> (secret)."),
  ...PUSH_CONFIG_KEYS,
  maxUploadSize: {
    type: "string",
    allowed: "a size from 1K to 64G such as 50M or 1G (K, M and G are powers of 1024)",
    parse: (raw: string) => (uploadSizeBytes(raw) !== undefined ? raw : undefined),
    description: "Largest media upload Synapse and the edge accept.",
  },
  adminSourceRanges: {
    type: "string",
    allowed: "a comma-separated list of CIDRs such as 203.0.113.0/24,2001:db8::/32",
    parse: (raw: string) => {
      const ranges = raw.split(",").map((r) => r.trim());
      return ranges.every(isCidr) ? ranges : undefined;
    },
    description: "Client addresses allowed to reach Synapse's admin API (/_synapse/admin, only on the admin host). Default: none outside the cluster.",
  },
  internalMtls: boolean("Mutual TLS between HAProxy and the Synapse processes: a TLS proxy in every Synapse pod accepts only the router's client certificate from the cluster's internal CA (cert-manager), and the router verifies each process's server certificate. Default: the environment preset's (on for staging and prod, off for dev)."),
  allowIdentityChange: boolean("Allow replacing the Matrix server name or the signing key of an existing stack (both are permanent: other servers and every user ID know them). Default false: they are protected and a change is refused at preview time."),
} as const;

export type ConfigKeyName = keyof typeof CONFIG_KEYS;

/** Keys whose values are credentials: errors describe them instead of echoing them. */
export const SECRET_CONFIG_KEYS: readonly ConfigKeyName[] = [
  "alertSmtpPassword", "alertWebhookUrl", "alertPagerdutyRoutingKey", "alertMatrixWebhookUrl",
  // Keys that carry their own `secret` flag (the push credentials).
  ...(Object.keys(CONFIG_KEYS) as ConfigKeyName[]).filter((k) => (CONFIG_KEYS[k] as ConfigKey<unknown>).secret),
];
export const CONFIG_KEY_NAMES = Object.keys(CONFIG_KEYS) as ConfigKeyName[];
