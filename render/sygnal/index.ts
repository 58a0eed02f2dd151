/**
 * Sygnal's sygnal.yaml (matrix-org/sygnal 0.15, `sygnal.yaml.sample`) from the typed push apps,
 * and the credential files it reads. The config holds no secret: each app names its credential
 * by path, and the files come from a Secret mounted at `credentialsDir`.
 */
import type { PushApp } from "../../config/spec";

/** Ports Sygnal listens on: the push gateway API (its default) and Prometheus metrics. */
export const SYGNAL_PORTS = { http: 5000, metrics: 9000 } as const;

/** Where the credential Secret is mounted in the container. */
export const SYGNAL_CREDENTIALS_DIR = "/etc/sygnal/credentials";

/** The path Synapse's pushers post to (the Push Gateway API); pushers' `data.url` ends with it. */
export const PUSH_NOTIFY_PATH = "/_matrix/push/v1/notify";

/** An app as the renderer sees it: every field but the credential itself. */
export type SygnalApp =
  | Omit<Extract<PushApp, { kind: "apns" }>, "authKeyPem">
  | Omit<Extract<PushApp, { kind: "fcm" }>, "serviceAccountJson">;

export interface SygnalRenderInput {
  apps: readonly SygnalApp[];
  /** Addresses the push API and metrics listeners bind to. */
  bindAddresses: string[];
  httpPort: number;
  metricsPort: number;
  /** Directory holding the credential files (`credentialFileName`). */
  credentialsDir: string;
  /**
   * HTTP CONNECT proxy every APNs and FCM connection goes through (FCM's OAuth token requests
   * too); absent means direct (the cluster's egress policy then allows port 443 only). The
   * loopback e2e points it at a stub so no notification leaves the machine. An FCM app behind a
   * proxy needs the aiohttp Sygnal's lock pins (3.9.5, what the image ships): newer ones refuse
   * the session GcmPushkin.create opens before the event loop runs (scripts/provision.d/50-sygnal.sh).
   */
  proxy?: string;
  /** The Gateway or HAProxy in front sets X-Forwarded-For; log the client it names. */
  behindProxy: boolean;
}

/** File name of an app's credential inside the credentials directory (also the Secret's key). */
export function credentialFileName(app: Pick<PushApp, "kind" | "appId">): string {
  return `${app.appId}.${app.kind === "apns" ? "p8" : "json"}`;
}

/** The credential files by file name (secret contents: the caller keeps them in a Secret). */
export function sygnalCredentialFiles(apps: readonly PushApp[]): Record<string, string> {
  return Object.fromEntries(apps.map((a) => [credentialFileName(a), a.kind === "apns" ? a.authKeyPem : a.serviceAccountJson]));
}

/** The app without its credential, for the renderer. */
export function withoutCredential(app: PushApp): SygnalApp {
  if (app.kind === "apns") {
    const { authKeyPem: _key, ...rest } = app;
    return rest;
  }
  const { serviceAccountJson: _json, ...rest } = app;
  return rest;
}

function appConfig(app: SygnalApp, dir: string): Record<string, unknown> {
  const file = `${dir}/${credentialFileName(app)}`;
  if (app.kind === "apns") {
    // Token-based auth (a .p8 key), which Apple prefers to certificates: it does not expire yearly.
    return { type: "apns", keyfile: file, key_id: app.keyId, team_id: app.teamId, topic: app.topic, platform: app.platform };
  }
  // FCM HTTP v1; the legacy server-key API (`api_key`) is retired by Google.
  return { type: "gcm", api_version: "v1", project_id: app.projectId, service_account_file: file };
}

/** sygnal.yaml as an object. */
export function renderSygnalConfig(input: SygnalRenderInput): Record<string, unknown> {
  const ids = input.apps.map((a) => a.appId);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new Error(`push app ID ${dup} is configured twice; Sygnal picks an app by its ID`);
  return {
    log: {
      setup: {
        version: 1,
        formatters: { normal: { format: "%(asctime)s [%(process)d] %(levelname)-5s %(name)s %(message)s" } },
        // stderr only: the container's log is the log (collected by the cluster's log shipper).
        handlers: { stderr: { class: "logging.StreamHandler", formatter: "normal", stream: "ext://sys.stderr" } },
        root: { handlers: ["stderr"], level: "INFO" },
        disable_existing_loggers: false,
      },
      access: { x_forwarded_for: input.behindProxy },
    },
    http: { bind_addresses: input.bindAddresses, port: input.httpPort },
    ...(input.proxy ? { proxy: input.proxy } : {}),
    metrics: {
      prometheus: { enabled: true, address: input.bindAddresses[0], port: input.metricsPort },
      opentracing: { enabled: false },
      sentry: { enabled: false },
    },
    apps: Object.fromEntries(input.apps.map((a) => [a.appId, appConfig(a, input.credentialsDir)])),
  };
}
