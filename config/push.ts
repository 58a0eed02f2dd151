/**
 * The push gateway's apps from the push* keys (./push-keys.ts): which apps are configured, and
 * every rule that spans keys. An app is configured by its app ID; each of its other keys is then
 * required, and none of them may be set without it or with push off, so nothing given is
 * silently ignored.
 */
import type { ApnsApp, FcmApp, PushSpec } from "./spec";

/** One problem, as the parser reports it (key without the project prefix). */
export interface PushProblem {
  key: string;
  allowed: string;
  /** The key was given (its value is shown, or described when secret). */
  given: boolean;
}

/** The push keys that parsed, by name. */
export interface PushValues {
  pushPublicRoute?: boolean;
  pushApnsAppId?: string;
  pushApnsTopic?: string;
  pushApnsKeyId?: string;
  pushApnsTeamId?: string;
  pushApnsPlatform?: "production" | "sandbox";
  pushApnsKey?: string;
  pushFcmAppId?: string;
  pushFcmProjectId?: string;
  pushFcmServiceAccount?: string;
}

const APNS_KEYS = ["pushApnsTopic", "pushApnsKeyId", "pushApnsTeamId", "pushApnsKey"] as const;
const APNS_OPTIONAL = ["pushApnsPlatform"] as const;
const FCM_KEYS = ["pushFcmProjectId", "pushFcmServiceAccount"] as const;

/**
 * The push spec, or the problems that stop it. `given(k)` says whether key `k` was set at all
 * (a set key that failed its own check is already reported and is not reported again here).
 */
export function pushSpec(pushOn: boolean, v: PushValues, given: (key: keyof PushValues) => boolean): { spec: PushSpec; problems: PushProblem[] } {
  const problems: PushProblem[] = [];
  const all = Object.keys({ pushPublicRoute: 0, pushApnsAppId: 0, ...Object.fromEntries([...APNS_KEYS, ...APNS_OPTIONAL, ...FCM_KEYS, "pushFcmAppId"].map((k) => [k, 0])) }) as (keyof PushValues)[];
  if (!pushOn) {
    for (const k of all) if (given(k)) problems.push({ key: k, given: true, allowed: "only applies when push is true (the Sygnal push gateway is deployed)" });
    return { spec: { apps: [], publicRoute: false }, problems };
  }

  const app = <K extends keyof PushValues>(idKey: keyof PushValues, label: string, required: readonly K[], optional: readonly (keyof PushValues)[]): boolean => {
    if (given(idKey)) {
      for (const k of required) {
        if (!given(k)) problems.push({ key: k, given: false, allowed: `the ${label} app ${idKey} = ${JSON.stringify(v[idKey] ?? "")} needs it` });
      }
      return v[idKey] !== undefined && required.every((k) => v[k] !== undefined);
    }
    for (const k of [...required, ...optional]) {
      if (given(k)) problems.push({ key: k, given: true, allowed: `configures the ${label} app, which is configured only with ${idKey} set` });
    }
    return false;
  };
  const apps: (ApnsApp | FcmApp)[] = [];
  if (app("pushApnsAppId", "APNs", APNS_KEYS, APNS_OPTIONAL)) {
    apps.push({ kind: "apns", appId: v.pushApnsAppId!, topic: v.pushApnsTopic!, keyId: v.pushApnsKeyId!, teamId: v.pushApnsTeamId!, platform: v.pushApnsPlatform ?? "production", authKeyPem: v.pushApnsKey! });
  }
  if (app("pushFcmAppId", "FCM", FCM_KEYS, [])) {
    apps.push({ kind: "fcm", appId: v.pushFcmAppId!, projectId: v.pushFcmProjectId!, serviceAccountJson: v.pushFcmServiceAccount! });
  }
  if (v.pushApnsAppId !== undefined && v.pushApnsAppId === v.pushFcmAppId) {
    problems.push({ key: "pushFcmAppId", given: true, allowed: "an app ID other than pushApnsAppId's (Sygnal picks the app by ID)" });
  }
  if (!given("pushApnsAppId") && !given("pushFcmAppId")) {
    problems.push({ key: "pushApnsAppId", given: false, allowed: "push is true, so at least one app is needed: set pushApnsAppId (iOS) or pushFcmAppId (Android) with its keys" });
  }
  return { spec: { apps, publicRoute: v.pushPublicRoute ?? false }, problems };
}
