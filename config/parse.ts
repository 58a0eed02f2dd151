import { CONFIG_KEYS, CONFIG_KEY_NAMES, PROFILE_CCU, SECRET_CONFIG_KEYS, uploadSizeBytes, type ConfigKeyName, type ProfileName } from "./keys";
import { distance } from "fastest-levenshtein";
import type { Hosts, PlatformSpec, PortRange, RtcSpec } from "./spec";
import { pushSpec } from "./push";
import { antivirusSpec } from "./antivirus-keys";
import { offsiteBackupSpec } from "./offsite-backup";
import { deployedProjectImageKeys, projectImagesSpec } from "./image-keys";
import { installedAddons, type AddonName } from "./addon-chart-keys";

/**
 * Days of pod logs Loki keeps by default: the specification asks for "log retention policies per
 * compliance requirements" and gives one compliance figure, 30 days minimum retention (its
 * backups); logs get the same floor unless `logRetentionDays` says otherwise.
 */
export const DEFAULT_LOG_RETENTION_DAYS = 30;

export const PROJECT = "matrix-platform";

/** One thing wrong with the configuration: the key, the value given, and what is allowed. */
export interface ConfigProblem {
  key: string;
  value?: string;
  allowed: string;
}

/**
 * Shapes of credentials: multi-line content (kubeconfig YAML, PEM), PEM armour, JWTs, Synapse
 * tokens, AWS access keys, and `token:` / `password=` / `client-key-data` style fields (kubeconfig
 * content squeezed onto one line). A value of this shape is never echoed, whatever key it came under.
 */
const CREDENTIAL_SHAPES = [
  /[\r\n]/,
  /-----BEGIN [A-Z ]+-----/,
  /\beyJ[A-Za-z0-9_-]{8,}/,
  /\bsy[tdh]_[A-Za-z0-9_]{8,}/,
  /\b(AKIA|ASIA)[A-Z0-9]{12,}/,
  /(token|password|passwd|secret|client-key-data|client-certificate-data|private[-_]?key)["']?\s*[:=]/i,
];

export function looksLikeCredential(value: string): boolean {
  return CREDENTIAL_SHAPES.some((re) => re.test(value));
}

/** Keys whose values are credentials: declared `secret` in the key table (kubeconfig) or listed in SECRET_CONFIG_KEYS. */
const SECRET_KEY_NAMES = new Set<string>(CONFIG_KEY_NAMES.filter((k) => (CONFIG_KEYS[k] as { secret?: boolean }).secret || SECRET_CONFIG_KEYS.includes(k)));

/** Whether a key (short name) takes a credential. */
export function isSecretKey(name: string): boolean {
  return SECRET_KEY_NAMES.has(name);
}

/**
 * How a value appears in an error. Credentials are described, never echoed: any value of a
 * credential key (or of a key a typo or a misspelled namespace makes look like one), any value the
 * stack marked secret, and any value shaped like a credential whatever its key.
 */
export function displayValue(key: string, value: string, secretKeys: ReadonlySet<string> = new Set()): string {
  const short = key.slice(key.lastIndexOf(":") + 1);
  const credentialKey = [...SECRET_KEY_NAMES].some((k) => k.toLowerCase() === short.toLowerCase() || distance(k.toLowerCase(), short.toLowerCase()) <= 3);
  // kubeconfig is the one credential key that may instead hold a file path, shown below.
  if (short !== "kubeconfig" && SECRET_CONFIG_KEYS.some((k) => key === `${PROJECT}:${k}`)) return `<secret, ${value.length} characters>`;
  if (secretKeys.has(key)) return "<secret value, withheld>";
  // A file path is safe to show (and what a person needs to see); anything else is content.
  const path = /^(~|\.{0,2}\/|[A-Za-z]:\\|[\w.-]+\/)[\w./~\\-]*$/.test(value) && value.length <= 255;
  if (credentialKey && !(path && !looksLikeCredential(value))) return `<${short} content, ${value.length} characters, withheld>`;
  if (looksLikeCredential(value)) return `<value shaped like a credential, ${value.length} characters, withheld>`;
  return JSON.stringify(value);
}

/** Thrown before any resource is registered; its message lists every problem found. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: ConfigProblem[], secretKeys: ReadonlySet<string> = new Set()) {
    super(
      "Invalid configuration:\n" +
        problems
          .map((p) =>
            p.value === undefined
              ? `  - ${p.key} is required: ${p.allowed}`
              : `  - ${p.key} = ${displayValue(p.key, p.value, secretKeys)} is not allowed: ${p.allowed}`,
          )
          .join("\n"),
    );
    this.name = "ConfigValidationError";
    // Not enumerable: Node prints an uncaught error's own enumerable fields after its message,
    // which would show a refused credential's value that the message itself masks.
    Object.defineProperty(this, "problems", { value: problems, enumerable: false, writable: false });
  }
}

/** What the stack itself said, besides the values: which of them are Pulumi `secure:` values. */
export interface ParseOptions {
  /** Full keys (`matrix-platform:kubeconfig`) whose values arrived as secrets. */
  secretKeys?: Iterable<string>;
  /**
   * `secretKeys` is the engine's complete list (the Node.js language host always passes it), so a
   * credential given in plain is refused here. Pulumi.yaml cannot make the CLI refuse it: a key
   * declared `secret: true` may have no plain default, and a key without a default is required.
   * Default: false (tests and the mock plan pass plain values).
   */
  secretKeysKnown?: boolean;
}

type Parsed = { [K in ConfigKeyName]?: NonNullable<ReturnType<(typeof CONFIG_KEYS)[K]["parse"]>> };

const AWS_REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const GCP_REGION = /^[a-z]+-[a-z]+\d+$/;

/** The known key a typo most likely meant: case-insensitive edit distance of at most 2. */
function closest(name: string): string | undefined {
  const lower = name.toLowerCase();
  const [best] = CONFIG_KEY_NAMES.map((k) => ({ k, d: distance(k.toLowerCase(), lower) })).sort((a, b) => a.d - b.d);
  return best && best.d <= Math.min(2, Math.floor(name.length / 3)) ? best.k : undefined;
}

/**
 * Provider settings the program does not read: it creates its own AWS, GCP and Kubernetes
 * providers from its own keys, and an explicit provider ignores the stack's `aws:` / `gcp:` /
 * `kubernetes:` settings. Each maps to the program key that does the job, when there is one.
 */
const PROVIDER_NAMESPACES = ["aws", "gcp", "google", "kubernetes"];
const PROVIDER_KEY_OWNERS: Record<string, ConfigKeyName> = {
  "aws:region": "region",
  "gcp:region": "region",
  "gcp:project": "gcpProject",
  "kubernetes:kubeconfig": "kubeconfig",
  "kubernetes:context": "kubeContext",
};

/** A namespace that is a typo of the project's (`matrix-plaform`), not some other tool's. */
function misspeltProject(namespace: string): boolean {
  const n = namespace.toLowerCase();
  return n !== PROJECT && distance(n, PROJECT) <= 3;
}

/**
 * The value Pulumi.yaml declares as every key's `default` (scripts/pulumi-yaml.ts): the CLI requires
 * a declared key that has no default, and injects a declared default into the config the program
 * receives, which would override the environment presets. So the declared default is the empty
 * string and means "not set": the program applies its own (preset-dependent) default. No key
 * accepts an empty value, so nothing settable is lost.
 */
export const UNSET_VALUE = "";

/** The config without this project's keys whose value is UNSET_VALUE (what the CLI injects). */
export function withoutUnsetKeys(rawConfig: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(rawConfig).filter(([k, v]) => !(k.startsWith(`${PROJECT}:`) && v === UNSET_VALUE)));
}

/**
 * Validates raw Pulumi config (`{"matrix-platform:key": "value"}`, other namespaces ignored) into
 * a fully defaulted spec. Pure: it reads nothing but its arguments, so every rule is unit-tested.
 */
export function parseSpec(givenConfig: Record<string, string>, stack: string, options: ParseOptions = {}): PlatformSpec {
  const rawConfig = withoutUnsetKeys(givenConfig);
  const problems: ConfigProblem[] = [];
  const parsed: Parsed = {};
  const prefix = `${PROJECT}:`;
  const fullKey = (k: string) => `${prefix}${k}`;
  const secretKeys = new Set(options.secretKeys ?? []);

  for (const [full, value] of Object.entries(rawConfig)) {
    if (!full.startsWith(prefix)) {
      const namespace = full.includes(":") ? full.slice(0, full.indexOf(":")) : "";
      const owner = PROVIDER_KEY_OWNERS[full];
      if (owner) {
        problems.push({ key: full, value, allowed: `not read: the program configures its providers itself; set ${fullKey(owner)} instead` });
      } else if (PROVIDER_NAMESPACES.includes(namespace)) {
        problems.push({ key: full, value, allowed: `not read: the program creates its own ${namespace} provider from ${PROJECT} keys, which ignores ${namespace}: settings; remove it (credentials come from the environment, as for the provider's CLI)` });
      } else if (misspeltProject(namespace)) {
        const name = full.slice(namespace.length + 1);
        const hint = (CONFIG_KEY_NAMES as string[]).includes(name) ? name : closest(name);
        problems.push({ key: full, value, allowed: `unknown namespace ${namespace}${hint ? ` (did you mean ${fullKey(hint)}?)` : ""}; this project's keys are ${prefix}<key>` });
      }
      continue;
    }
    const name = full.slice(prefix.length);
    if (!(CONFIG_KEY_NAMES as string[]).includes(name)) {
      const hint = closest(name);
      problems.push({
        key: full,
        value,
        allowed: `unknown key${hint ? ` (did you mean ${fullKey(hint)}?)` : ""}; known keys are ${CONFIG_KEY_NAMES.join(", ")}`,
      });
      continue;
    }
    const key = CONFIG_KEYS[name as ConfigKeyName];
    const secretKey = isSecretKey(name);
    // A kubeconfig path is no credential; its content (several lines) is.
    const credentialValue = secretKey && (name !== "kubeconfig" || value.includes("\n"));
    if (options.secretKeysKnown && credentialValue && !secretKeys.has(full)) {
      problems.push({ key: full, value, allowed: `a secret value: set it with \`pulumi config set --secret ${name}\`, so it is encrypted in the stack file and in state` });
      continue;
    }
    if (secretKeys.has(full) && !secretKey) {
      problems.push({ key: full, value, allowed: `${key.allowed}, written in plain: it is not a credential, so it must not be a secure: value` });
      continue;
    }
    if (!secretKey && looksLikeCredential(value)) {
      problems.push({ key: full, value, allowed: `${key.allowed}; this looks like a credential, and the only credential the program takes is ${fullKey("kubeconfig")} (as a secret)` });
      continue;
    }
    const result = key.parse(value);
    if (result === undefined) problems.push({ key: full, value, allowed: key.allowed });
    else (parsed as Record<string, unknown>)[name] = result;
  }

  const platform = parsed.platform ?? "existing";
  const environment = parsed.environment ?? "dev";
  const given = (k: ConfigKeyName) => rawConfig[fullKey(k)] !== undefined;
  const reject = (k: ConfigKeyName, allowed: string) => problems.push({ key: fullKey(k), value: rawConfig[fullKey(k)], allowed });

  if (given("ccu") && given("profile")) reject("profile", "set either ccu or profile, not both");

  // The server name is in every user ID and event and federating servers pin it with the signing
  // key: a stack that will keep real users must choose it, never inherit example.com.
  if (environment !== "dev" && !given("domain") && !given("serverName")) {
    problems.push({ key: fullKey("domain"), allowed: `${environment} stacks need an explicit domain (or serverName): the Matrix server name is permanent once users exist, so it is never defaulted outside dev` });
  }

  if (platform === "existing") {
    for (const k of ["region", "secondaryRegion", "gcpProject", "clusterApiAccess", "clusterApiCidrs"] as const) {
      if (given(k)) reject(k, `only applies to the aws and gcp platforms, not ${platform}`);
    }
  } else {
    for (const k of ["kubeconfig", "kubeContext", "storageClass", "encryptedStorageClass", "kubeApiCidrs"] as const) {
      if (given(k)) reject(k, `only applies to the existing platform, not ${platform}`);
    }
    const regionShape = platform === "aws" ? AWS_REGION : GCP_REGION;
    const example = platform === "aws" ? "us-east-1" : "us-central1";
    for (const k of ["region", "secondaryRegion"] as const) {
      const v = parsed[k];
      if (v !== undefined && !regionShape.test(v)) reject(k, `a ${platform.toUpperCase()} region such as ${example}`);
    }
  }
  // One class for every volume: an encrypting one, when given, is that class.
  if (parsed.storageClass !== undefined && parsed.encryptedStorageClass !== undefined && parsed.storageClass !== parsed.encryptedStorageClass) {
    reject("storageClass", `unset, or the same as encryptedStorageClass (${parsed.encryptedStorageClass}): every volume uses encryptedStorageClass when it is set, so this class would be used by none`);
  }
  const clusterApiAccess = parsed.clusterApiAccess ?? "private";
  if (platform !== "existing") {
    if (clusterApiAccess === "public" && parsed.clusterApiCidrs === undefined && !given("clusterApiCidrs")) {
      problems.push({ key: fullKey("clusterApiCidrs"), allowed: "a public cluster API endpoint needs the IPv4 ranges allowed to reach it (clusterApiAccess is public); or leave clusterApiAccess private" });
    }
    if (clusterApiAccess === "private" && given("clusterApiCidrs")) {
      reject("clusterApiCidrs", "only applies when clusterApiAccess is public; a private endpoint is reached from inside the VPC");
    }
  }
  if (platform === "aws" && given("gcpProject")) reject("gcpProject", "only applies to the gcp platform");
  if (platform === "gcp" && parsed.gcpProject === undefined && !given("gcpProject")) {
    problems.push({ key: fullKey("gcpProject"), allowed: "the gcp platform needs the GCP project ID to deploy into" });
  }

  const region = platform === "aws" ? parsed.region ?? "us-east-1" : platform === "gcp" ? parsed.region ?? "us-central1" : undefined;
  const secondaryRegion =
    platform === "aws" ? parsed.secondaryRegion ?? (region === "us-west-2" ? "us-east-2" : "us-west-2")
    : platform === "gcp" ? parsed.secondaryRegion ?? (region === "us-east1" ? "us-west1" : "us-east1")
    : undefined;
  if (region !== undefined && region === secondaryRegion) reject("secondaryRegion", `a region other than the primary region ${region}`);

  const tlsIssuer = parsed.tlsIssuer ?? (environment === "dev" ? "selfsigned" : "acme");
  if (tlsIssuer === "acme" && parsed.acmeEmail === undefined && !given("acmeEmail")) {
    problems.push({ key: fullKey("acmeEmail"), allowed: "an e-mail address for the ACME account (tlsIssuer is acme); or set tlsIssuer to selfsigned" });
  }

  // mautrix-telegram cannot log anyone in without an API ID and hash of its own (my.telegram.org).
  const telegramDeployed = (parsed.bridges ?? false) && (parsed.telegramAccounts ?? 0) > 0;
  if (telegramDeployed) {
    for (const k of ["telegramApiId", "telegramApiHash"] as const) {
      if (parsed[k] === undefined && !given(k)) {
        problems.push({ key: fullKey(k), allowed: "the Telegram bridge is deployed (bridges is true and telegramAccounts above 0), so it needs the API ID and hash from my.telegram.org: set both with `pulumi config set --secret`" });
      }
    }
  }
  const emailKeys = ["alertEmailTo", "alertEmailFrom", "alertSmarthost"] as const;
  if (emailKeys.some((k) => given(k)) || given("alertSmtpUsername") || given("alertSmtpPassword")) {
    for (const k of emailKeys) {
      if (!given(k)) problems.push({ key: fullKey(k), allowed: `alert e-mail needs alertEmailTo, alertEmailFrom and alertSmarthost together (${k} is missing)` });
    }
  }
  if (given("alertSmtpPassword") !== given("alertSmtpUsername")) {
    problems.push({ key: fullKey(given("alertSmtpPassword") ? "alertSmtpUsername" : "alertSmtpPassword"), allowed: "alertSmtpUsername and alertSmtpPassword go together" });
  }
  // LI: its edge admits only the investigators' ranges, and main keeps every redaction while LI
  // is fed (a pruning period would be overridden, so one given is refused rather than ignored).
  if (parsed.li === true) {
    if (parsed.liInvestigatorCidrs === undefined && !given("liInvestigatorCidrs")) {
      problems.push({ key: fullKey("liInvestigatorCidrs"), allowed: "li is true, so the LI routes need the investigators' source ranges: a comma-separated list of IPv4 CIDR blocks such as 203.0.113.0/24" });
    }
    if (parsed.redactionRetentionPeriod !== undefined && parsed.redactionRetentionPeriod !== "never") {
      reject("redactionRetentionPeriod", "never, or unset, while li is true: main keeps redacted content for the LI instance (redaction_retention_period: null)");
    }
  } else if (given("liInvestigatorCidrs")) {
    reject("liInvestigatorCidrs", "only applies when li is true");
  }
  const rtc = rtcSettings(parsed, given, reject);
  const offsite = offsiteBackupSpec(platform, environment, parsed, (k) => given(k));
  for (const p of offsite.problems) problems.push({ key: fullKey(p.key), value: p.given ? rawConfig[fullKey(p.key)] : undefined, allowed: p.allowed });
  const images = projectImagesSpec(platform, environment, parsed, parsed.imageRegistry, deployedProjectImageKeys({ li: parsed.li ?? false, antivirus: parsed.antivirus ?? false }), (k) => given(k));
  for (const p of images.problems) problems.push({ key: fullKey(p.key), value: p.given ? rawConfig[fullKey(p.key)] : undefined, allowed: p.allowed });
  const push = pushSpec(parsed.push ?? false, parsed, (k) => given(k));
  for (const p of push.problems) problems.push({ key: fullKey(p.key), value: p.given ? rawConfig[fullKey(p.key)] : undefined, allowed: p.allowed });
  const antivirus = antivirusSpec(parsed.antivirus ?? false, parsed, (k) => given(k));
  for (const p of antivirus.problems) problems.push({ key: fullKey(p.key), value: p.given ? rawConfig[fullKey(p.key)] : undefined, allowed: p.allowed });

  // A local chart for an add-on the stack does not install would be silently ignored: refused.
  if (parsed.addonCharts !== undefined) {
    const installed = installedAddons(platform, parsed.monitoring ?? false);
    const extra = Object.keys(parsed.addonCharts).filter((a) => !installed.includes(a as AddonName));
    if (extra.length > 0) reject("addonCharts", `charts only for add-ons this stack installs (${installed.join(", ")}); it does not install ${extra.join(", ")} (platform ${platform}${parsed.monitoring ? "" : ", monitoring off"})`);
  }

  if (parsed.existingAddons !== undefined) {
    const installed = installedAddons(platform, parsed.monitoring ?? false);
    const extra = parsed.existingAddons.filter((a) => !installed.includes(a));
    if (extra.length > 0) reject("existingAddons", `only add-ons this stack would install (${installed.join(", ")}); it does not install ${extra.join(", ")} (platform ${platform})`);
    const both = parsed.existingAddons.filter((a) => parsed.addonCharts?.[a] !== undefined);
    if (both.length > 0) reject("existingAddons", `add-ons the stack does not install, so without a local chart in addonCharts (${both.join(", ")} has one)`);
  }

  const domain = parsed.domain ?? "example.com";
  const serverName = parsed.serverName ?? domain;
  const hosts = hostsOf(domain, serverName);
  // Every host is built from the domain; the key's own check covers the domain, this covers what it becomes.
  if (parsed.domain !== undefined) {
    const tooLong = Object.values(hosts).filter((h) => h.length > 253);
    if (tooLong.length > 0) reject("domain", `a domain short enough that the host names built from it stay within 253 characters (${tooLong[0]} is ${tooLong[0].length})`);
  }

  if (problems.length > 0) throw new ConfigValidationError(problems, secretKeys);

  const features = {
    // Off unless asked for: a system is deployed (sized, priced, routed, advertised) only when
    // its switch is on.
    li: parsed.li ?? false,
    antivirus: parsed.antivirus ?? false,
    monitoring: parsed.monitoring ?? false,
    rtc: parsed.rtc ?? false,
    push: parsed.push ?? false,
    bridges: parsed.bridges ?? false,
  };
  const telegramAccounts = parsed.telegramAccounts ?? 0;
  const whatsappAccounts = parsed.whatsappAccounts ?? 0;
  const profile: ProfileName | undefined = parsed.profile;
  const retention = parsed.redactionRetentionPeriod ?? "7d";
  const maxUploadSize = parsed.maxUploadSize ?? "100M";

  return {
    stack,
    platform,
    environment,
    highAvailability: environment === "prod",
    ccu: profile !== undefined ? PROFILE_CCU[profile] : parsed.ccu ?? 100,
    profile,
    sizingModel: parsed.sizingModel ?? "profile",
    capacityActivity: parsed.capacityActivity ?? {},
    domain,
    serverName,
    hosts,
    bridges: {
      telegram: {
        enabled: features.bridges && telegramAccounts > 0,
        accounts: telegramAccounts,
        ...(parsed.telegramApiId !== undefined && parsed.telegramApiHash !== undefined
          ? { telegramApi: { apiId: parsed.telegramApiId, apiHash: parsed.telegramApiHash } }
          : {}),
      },
      whatsapp: { enabled: features.bridges && whatsappAccounts > 0, accounts: whatsappAccounts },
      permissions: { admins: parsed.bridgeAdmins ?? [], users: parsed.bridgeUsers ?? [serverName] },
    },
    features,
    rtc,
    push: push.spec,
    antivirus: antivirus.spec,
    optionalHosts: { push: push.spec.publicRoute },
    cloud: {
      region,
      secondaryRegion,
      gcpProject: parsed.gcpProject,
      clusterApi: platform === "existing" ? undefined : { access: clusterApiAccess, cidrs: parsed.clusterApiCidrs ?? [] },
    },
    existing: platform === "existing"
      ? {
        kubeconfig: parsed.kubeconfig,
        kubeContext: parsed.kubeContext,
        storageClass: parsed.encryptedStorageClass ?? parsed.storageClass,
        storageEncrypted: parsed.encryptedStorageClass !== undefined,
        kubeApiCidrs: parsed.kubeApiCidrs,
        ...(offsite.spec ? { offsiteBackup: offsite.spec } : {}),
      }
      : {},
    imageRegistry: parsed.imageRegistry,
    projectImages: images.spec,
    chartRepository: parsed.chartRepository,
    addonCharts: parsed.addonCharts ?? {},
    existingAddons: parsed.existingAddons ?? [],
    tls: { issuer: tlsIssuer, acmeEmail: parsed.acmeEmail },
    monitoring: {
      retention: parsed.monitoringRetention ?? "15d",
      logRetentionDays: parsed.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
      ...(parsed.traceSamplingRatio !== undefined ? { traceSamplingRatio: parsed.traceSamplingRatio } : {}),
      alerting: {
        ...(parsed.alertEmailTo && parsed.alertEmailFrom && parsed.alertSmarthost
          ? { email: { to: parsed.alertEmailTo, from: parsed.alertEmailFrom, smarthost: parsed.alertSmarthost, username: parsed.alertSmtpUsername, password: parsed.alertSmtpPassword } }
          : {}),
        webhookUrl: parsed.alertWebhookUrl,
        pagerdutyRoutingKey: parsed.alertPagerdutyRoutingKey,
        matrixWebhookUrl: parsed.alertMatrixWebhookUrl,
      },
    },
    synapse: { redactionRetentionPeriod: retention === "never" ? null : retention, maxUploadSize, maxUploadBytes: uploadSizeBytes(maxUploadSize)! },
    admin: { sourceRanges: parsed.adminSourceRanges ?? [] },
    li: { investigatorCidrs: parsed.liInvestigatorCidrs ?? [] },
    allowIdentityChange: parsed.allowIdentityChange ?? false,
    // Unset: the environment preset decides (catalog/internal-tls.ts internalMtlsOn).
    ...(parsed.internalMtls !== undefined ? { internalMtls: parsed.internalMtls } : {}),
    secretConfig: [...secretKeys].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)),
  };
}

/** The public host names, all derived from the domain in one place. */
function hostsOf(domain: string, serverName: string): Hosts {
  return {
    matrix: `matrix.${domain}`,
    element: `chat.${domain}`,
    admin: `admin.${domain}`,
    rtc: `rtc.${domain}`,
    turn: `turn.${domain}`,
    grafana: `grafana.${domain}`,
    push: `push.${domain}`,
    liMatrix: `matrix.li.${domain}`,
    liElement: `chat.li.${domain}`,
    liAdmin: `admin.li.${domain}`,
    delegation: serverName,
  };
}

/** Defaults of the RTC media keys: LiveKit's upstream range, coturn just below it. */
export const RTC_DEFAULTS = { livekitUdpPorts: { start: 50000, end: 60000 }, turnRelayPorts: { start: 40000, end: 49999 }, nodeAddress: "stun" } as const;

/** Unprivileged UDP ports: what a media or relay range may use. */
const MEDIA_PORT_FLOOR = 1024;
const MEDIA_PORT_CEILING = 65535;

/** "a-b" -> range, or a sentence saying what is wrong with it. */
export function parsePortRange(raw: string): PortRange | string {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(raw);
  if (!m) return "a port range start-end such as 50000-60000";
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (start < MEDIA_PORT_FLOOR || end > MEDIA_PORT_CEILING) return `a range within ${MEDIA_PORT_FLOOR}-${MEDIA_PORT_CEILING} (unprivileged ports)`;
  if (end < start) return "a range whose start is not above its end";
  return { start, end };
}

export function rangesOverlap(a: PortRange, b: PortRange): boolean {
  return a.start <= b.end && b.start <= a.end;
}

/** The RTC keys: ranges inside 1024-65535, LiveKit's and coturn's disjoint, and only with rtc on. */
function rtcSettings(parsed: Parsed, given: (k: ConfigKeyName) => boolean, reject: (k: ConfigKeyName, allowed: string) => void): RtcSpec {
  const rtcKeys = ["livekitUdpPorts", "turnRelayPorts", "rtcNodeAddress"] as const;
  if (!parsed.rtc) for (const k of rtcKeys) if (given(k)) reject(k, "only applies when rtc is true");
  const range = (k: "livekitUdpPorts" | "turnRelayPorts"): PortRange | undefined => {
    const raw = parsed[k];
    if (raw === undefined) return given(k) ? undefined : RTC_DEFAULTS[k];
    const r = parsePortRange(raw);
    if (typeof r === "string") {
      reject(k, r);
      return undefined;
    }
    return r;
  };
  const livekit = range("livekitUdpPorts");
  const relay = range("turnRelayPorts");
  if (livekit && relay && rangesOverlap(livekit, relay)) {
    const which = given("turnRelayPorts") ? "turnRelayPorts" : "livekitUdpPorts";
    const other = which === "turnRelayPorts" ? livekit : relay;
    reject(which, `a range that does not overlap ${which === "turnRelayPorts" ? "livekitUdpPorts" : "turnRelayPorts"} (${other.start}-${other.end}): both use the same nodes' UDP ports`);
  }
  return {
    livekitUdpPorts: livekit ?? RTC_DEFAULTS.livekitUdpPorts,
    turnRelayPorts: relay ?? RTC_DEFAULTS.turnRelayPorts,
    nodeAddress: parsed.rtcNodeAddress ?? RTC_DEFAULTS.nodeAddress,
  };
}
