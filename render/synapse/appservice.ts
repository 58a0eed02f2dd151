/**
 * Appservice registration files (what Synapse's `app_service_config_files` loads), for the
 * mautrix bridges. The tokens are secrets: the rendered text goes into a Kubernetes Secret.
 */
import type { YamlObject } from "./homeserver";

export interface AppserviceInput {
  /** Registration ID, unique across files (`telegram`, `whatsapp`). */
  id: string;
  /** Where Synapse pushes transactions, e.g. http://mautrix-telegram.matrix.svc.cluster.local:29317 */
  url: string;
  asToken: string;
  hsToken: string;
  /** Localpart Synapse uses for the appservice's own sender; URL-safe. */
  senderLocalpart: string;
  /** Bridge bot localpart, e.g. `telegrambot`. */
  botLocalpart: string;
  /** Prefix of the puppet users' localparts, e.g. `telegram_`. */
  userPrefix: string;
  serverName: string;
  /** Protocol names for the third-party lookup API. */
  protocols?: string[];
  receiveEphemeral?: boolean;
}

/** Regex-escape a literal (Synapse compiles namespaces as Python regexes). */
export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function renderAppserviceRegistration(a: AppserviceInput): YamlObject {
  if (!/^[A-Za-z0-9._~-]+$/.test(a.senderLocalpart)) throw new Error(`appservice ${a.id}: sender_localpart must be URL-safe`);
  if (a.asToken === a.hsToken) throw new Error(`appservice ${a.id}: as_token and hs_token must differ`);
  const server = escapeRegex(a.serverName);
  return {
    id: a.id,
    url: a.url,
    as_token: a.asToken,
    hs_token: a.hsToken,
    sender_localpart: a.senderLocalpart,
    rate_limited: false,
    namespaces: {
      users: [
        { regex: `^@${escapeRegex(a.botLocalpart)}:${server}$`, exclusive: true },
        { regex: `^@${escapeRegex(a.userPrefix)}.*:${server}$`, exclusive: true },
      ],
      aliases: [],
      rooms: [],
    },
    receive_ephemeral: a.receiveEphemeral ?? true,
    "de.sorunome.msc2409.push_ephemeral": a.receiveEphemeral ?? true,
    protocols: a.protocols ?? [a.id],
  };
}

/** Registration file name for an appservice ID. */
export function appserviceFileName(id: string): string {
  return `${id}-registration.yaml`;
}

/** The mautrix bridges' registration defaults (bridgev2: IDs, ports, bot names, puppet prefixes). */
export const BRIDGE_APPSERVICES = {
  telegram: { id: "telegram", service: "mautrix-telegram", port: 29317, botLocalpart: "telegrambot", userPrefix: "telegram_", protocols: ["telegram"] },
  whatsapp: { id: "whatsapp", service: "mautrix-whatsapp", port: 29318, botLocalpart: "whatsappbot", userPrefix: "whatsapp_", protocols: ["whatsapp"] },
} as const;
export type BridgeName = keyof typeof BRIDGE_APPSERVICES;

/** Registration input for a bridge running as Service `<service>` in `namespace`. */
export function bridgeAppservice(
  bridge: BridgeName,
  args: { serverName: string; namespace: string; asToken: string; hsToken: string; senderLocalpart: string; clusterDomain?: string },
): AppserviceInput {
  const b = BRIDGE_APPSERVICES[bridge];
  return {
    id: b.id,
    url: `http://${b.service}.${args.namespace}.svc.${args.clusterDomain ?? "cluster.local"}:${b.port}`,
    asToken: args.asToken,
    hsToken: args.hsToken,
    senderLocalpart: args.senderLocalpart,
    botLocalpart: b.botLocalpart,
    userPrefix: b.userPrefix,
    serverName: args.serverName,
    protocols: [...b.protocols],
  };
}

/**
 * The double-puppeting registration (mautrix's "appservice method"): no URL (Synapse pushes it
 * nothing), a non-exclusive claim on every local user, so a bridge holding its `as_token` can act
 * as the real Matrix user in the portal rooms, instead of a puppet. Shared by every bridge.
 */
export const DOUBLE_PUPPET_ID = "doublepuppet";

export function renderDoublePuppetRegistration(a: { asToken: string; hsToken: string; senderLocalpart: string; serverName: string }): YamlObject {
  if (!/^[A-Za-z0-9._~-]+$/.test(a.senderLocalpart)) throw new Error(`appservice ${DOUBLE_PUPPET_ID}: sender_localpart must be URL-safe`);
  if (a.asToken === a.hsToken) throw new Error(`appservice ${DOUBLE_PUPPET_ID}: as_token and hs_token must differ`);
  return {
    id: DOUBLE_PUPPET_ID,
    url: null,
    as_token: a.asToken,
    hs_token: a.hsToken,
    sender_localpart: a.senderLocalpart,
    rate_limited: false,
    namespaces: { users: [{ regex: `@.*:${escapeRegex(a.serverName)}`, exclusive: false }], aliases: [], rooms: [] },
  };
}

/**
 * The registration files Synapse loads for a set of deployed bridges: one per bridge and, when
 * any is deployed, the shared double-puppeting one. Nothing when no bridge is deployed.
 */
export function appserviceFilesFor(bridges: readonly BridgeName[]): string[] {
  return bridges.length === 0 ? [] : [...bridges.map((b) => appserviceFileName(b)), appserviceFileName(DOUBLE_PUPPET_ID)];
}
