import { CONFIG_KEYS, CONFIG_KEY_NAMES, PROFILE_CCU, SECRET_CONFIG_KEYS, type ConfigKeyName, type ProfileName } from "./keys";
import { distance } from "fastest-levenshtein";
import type { PlatformSpec, PortRange, RtcSpec } from "./spec";
import { pushSpec } from "./push";

export const PROJECT = "matrix-platform";

/** One thing wrong with the configuration: the key, the value given, and what is allowed. */
export interface ConfigProblem {
  key: string;
  value?: string;
  allowed: string;
}

/**
 * How a value appears in an error: kubeconfig content (not a path) may carry credentials, so it
 * is described instead of echoed.
 */
export function displayValue(key: string, value: string): string {
  const name = key.slice(key.indexOf(":") + 1);
  if (SECRET_CONFIG_KEYS.some((k) => key.endsWith(`:${k}`)) || (CONFIG_KEYS as Record<string, { secret?: true }>)[name]?.secret) return `<secret, ${value.length} characters>`;
  return key.endsWith(":kubeconfig") && value.includes("\n") ? `<kubeconfig content, ${value.length} characters>` : JSON.stringify(value);
}

/** Thrown before any resource is registered; its message lists every problem found. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(
      "Invalid configuration:\n" +
        problems
          .map((p) =>
            p.value === undefined
              ? `  - ${p.key} is required: ${p.allowed}`
              : `  - ${p.key} = ${displayValue(p.key, p.value)} is not allowed: ${p.allowed}`,
          )
          .join("\n"),
    );
    this.name = "ConfigValidationError";
  }
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
 * Validates raw Pulumi config (`{"matrix-platform:key": "value"}`, other namespaces ignored) into
 * a fully defaulted spec. Pure: it reads nothing but its arguments, so every rule is unit-tested.
 */
export function parseSpec(rawConfig: Record<string, string>, stack: string): PlatformSpec {
  const problems: ConfigProblem[] = [];
  const parsed: Parsed = {};
  const prefix = `${PROJECT}:`;
  const fullKey = (k: string) => `${prefix}${k}`;

  for (const [full, value] of Object.entries(rawConfig)) {
    if (!full.startsWith(prefix)) continue;
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
    const result = key.parse(value);
    if (result === undefined) problems.push({ key: full, value, allowed: key.allowed });
    else (parsed as Record<string, unknown>)[name] = result;
  }

  const platform = parsed.platform ?? "existing";
  const environment = parsed.environment ?? "dev";
  const given = (k: ConfigKeyName) => rawConfig[fullKey(k)] !== undefined;
  const reject = (k: ConfigKeyName, allowed: string) => problems.push({ key: fullKey(k), value: rawConfig[fullKey(k)], allowed });

  if (given("ccu") && given("profile")) reject("profile", "set either ccu or profile, not both");

  if (platform === "existing") {
    for (const k of ["region", "secondaryRegion", "gcpProject", "clusterApiAccess", "clusterApiCidrs"] as const) {
      if (given(k)) reject(k, `only applies to the aws and gcp platforms, not ${platform}`);
    }
  } else {
    for (const k of ["kubeconfig", "kubeContext", "storageClass", "kubeApiCidrs"] as const) {
      if (given(k)) reject(k, `only applies to the existing platform, not ${platform}`);
    }
    const regionShape = platform === "aws" ? AWS_REGION : GCP_REGION;
    const example = platform === "aws" ? "us-east-1" : "us-central1";
    for (const k of ["region", "secondaryRegion"] as const) {
      const v = parsed[k];
      if (v !== undefined && !regionShape.test(v)) reject(k, `a ${platform.toUpperCase()} region such as ${example}`);
    }
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
  const rtc = rtcSettings(parsed, given, reject);
  const push = pushSpec(parsed.push ?? false, parsed, (k) => given(k));
  for (const p of push.problems) problems.push({ key: fullKey(p.key), value: p.given ? rawConfig[fullKey(p.key)] : undefined, allowed: p.allowed });

  if (problems.length > 0) throw new ConfigValidationError(problems);

  const domain = parsed.domain ?? "example.com";
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
  const serverName = parsed.serverName ?? domain;

  return {
    stack,
    platform,
    environment,
    highAvailability: environment === "prod",
    ccu: profile !== undefined ? PROFILE_CCU[profile] : parsed.ccu ?? 100,
    profile,
    sizingModel: parsed.sizingModel ?? "profile",
    domain,
    serverName,
    hosts: {
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
    },
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
    optionalHosts: { push: push.spec.publicRoute },
    cloud: {
      region,
      secondaryRegion,
      gcpProject: parsed.gcpProject,
      clusterApi: platform === "existing" ? undefined : { access: clusterApiAccess, cidrs: parsed.clusterApiCidrs ?? [] },
    },
    existing: platform === "existing"
      ? { kubeconfig: parsed.kubeconfig, kubeContext: parsed.kubeContext, storageClass: parsed.storageClass, kubeApiCidrs: parsed.kubeApiCidrs }
      : {},
    imageRegistry: parsed.imageRegistry,
    chartRepository: parsed.chartRepository,
    tls: { issuer: tlsIssuer, acmeEmail: parsed.acmeEmail },
    monitoring: {
      retention: parsed.monitoringRetention ?? "15d",
      alerting: {
        ...(parsed.alertEmailTo && parsed.alertEmailFrom && parsed.alertSmarthost
          ? { email: { to: parsed.alertEmailTo, from: parsed.alertEmailFrom, smarthost: parsed.alertSmarthost, username: parsed.alertSmtpUsername, password: parsed.alertSmtpPassword } }
          : {}),
        webhookUrl: parsed.alertWebhookUrl,
        pagerdutyRoutingKey: parsed.alertPagerdutyRoutingKey,
        matrixWebhookUrl: parsed.alertMatrixWebhookUrl,
      },
    },
    synapse: { redactionRetentionPeriod: retention === "never" ? null : retention, maxUploadSize: parsed.maxUploadSize ?? "100M" },
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
