/**
 * The push gateway's (Sygnal's) configuration keys: one APNs app (token-based auth) and one
 * Firebase Cloud Messaging v1 app, the usual pair of an iOS and an Android build, plus the
 * optional public route. An app is configured when its app ID is set; ./push.ts checks that every
 * configured app has all of its keys. The two credentials are secret config values.
 */
import { createPrivateKey } from "crypto";
import { boolean, pattern, type ConfigKey } from "./key-kinds";


/** Sygnal matches a pusher's `app_id` against these keys; Matrix app IDs are reverse-DNS names. */
const APP_ID = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/;
const APP_ID_ALLOWED = "a reverse-DNS app ID such as com.example.app.ios (letters, digits, '-', '_', at least two dot-separated parts), the `app_id` the app's pusher registers";
/** Apple bundle IDs: letters, digits, hyphens and periods, in reverse-DNS form (a VoIP topic ends in `.voip`). */
const BUNDLE_ID = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
/** Apple key IDs and team IDs are ten upper-case letters or digits. */
const APPLE_ID = /^[A-Z0-9]{10}$/;

/** The PEM of an EC P-256 private key (an APNs .p8 auth key), or undefined. */
export function parseApnsAuthKey(raw: string): string | undefined {
  if (!raw.includes("-----BEGIN PRIVATE KEY-----")) return undefined;
  try {
    const key = createPrivateKey(raw);
    return key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1" ? raw : undefined;
  } catch {
    return undefined;
  }
}

/** The fields of a Google service-account key file that FCM v1 authentication reads. */
export interface ServiceAccountKey {
  type: "service_account";
  project_id: string;
  client_email: string;
  private_key: string;
  token_uri?: string;
}

/** A Google service-account key file's JSON, checked for the fields google-auth needs, or undefined. */
export function parseServiceAccountJson(raw: string): ServiceAccountKey | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return undefined;
  const o = doc as Record<string, unknown>;
  const str = (k: string) => typeof o[k] === "string" && (o[k] as string).length > 0;
  if (o.type !== "service_account" || !str("project_id") || !str("client_email") || !str("private_key")) return undefined;
  if (o.token_uri !== undefined && !(typeof o.token_uri === "string" && /^https:\/\//.test(o.token_uri))) return undefined;
  try {
    createPrivateKey(o.private_key as string);
  } catch {
    return undefined;
  }
  return o as unknown as ServiceAccountKey;
}

export const PUSH_CONFIG_KEYS = {
  pushPublicRoute: boolean("Route the push gateway publicly at https://push.<domain>/_matrix/push/v1/notify on the shared Gateway, for app builds that name that URL; Synapse's pushers use the in-cluster address either way. Needs push. Default false."),
  pushApnsAppId: pattern(APP_ID, APP_ID_ALLOWED, "Sygnal app ID of the iOS app (APNs, token-based auth); setting it configures the app and needs the other pushApns* keys. Needs push."),
  pushApnsTopic: pattern(BUNDLE_ID, "an Apple bundle ID such as com.example.app (letters, digits, hyphens, at least two dot-separated parts)", "APNs topic: the iOS app's bundle ID."),
  pushApnsKeyId: pattern(APPLE_ID, "ten upper-case letters or digits, as Apple shows the auth key's ID", "Key ID of the APNs auth key (.p8)."),
  pushApnsTeamId: pattern(APPLE_ID, "ten upper-case letters or digits, as Apple shows the team ID", "Apple developer team ID that owns the APNs auth key."),
  pushApnsPlatform: {
    type: "string",
    description: "APNs environment the iOS build registers with: production (App Store, TestFlight) or sandbox (development builds). Default production.",
    allowed: "one of production, sandbox",
    parse: (raw) => (raw === "production" || raw === "sandbox" ? raw : undefined),
  } as ConfigKey<"production" | "sandbox">,
  pushApnsKey: {
    type: "string",
    description: "Secret: the APNs auth key file (.p8) content, a PEM EC P-256 private key; mounted into Sygnal from a Kubernetes Secret.",
    allowed: "the PEM text of an APNs .p8 auth key (-----BEGIN PRIVATE KEY-----, an EC P-256 key)",
    parse: parseApnsAuthKey,
    secret: true,
  } as ConfigKey<string>,
  pushFcmAppId: pattern(APP_ID, APP_ID_ALLOWED, "Sygnal app ID of the Android app (Firebase Cloud Messaging API v1); setting it configures the app and needs the other pushFcm* keys. Needs push."),
  pushFcmProjectId: pattern(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "a Firebase/GCP project ID: 6-30 lower-case letters, digits or hyphens, starting with a letter", "Firebase project ID the Android app's FCM messages are sent through."),
  pushFcmServiceAccount: {
    type: "string",
    description: "Secret: the Firebase service account's JSON key file content; mounted into Sygnal from a Kubernetes Secret.",
    allowed: "the JSON key file of a Google service account (an object with type \"service_account\", project_id, client_email and a PEM private_key)",
    parse: (raw) => (parseServiceAccountJson(raw) ? raw : undefined),
    secret: true,
  } as ConfigKey<string>,
} as const;
