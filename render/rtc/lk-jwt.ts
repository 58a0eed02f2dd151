/**
 * lk-jwt-service's environment (its main.go `parseConfig` at the pinned tag): the LiveKit key and
 * secret as files (`LIVEKIT_KEY_FROM_FILE`, `LIVEKIT_SECRET_FROM_FILE`), never as values, and full
 * access (room creation) for our own homeserver's users only.
 */
export interface LkJwtEnvInput {
  /** The SFU's websocket URL clients are told to connect to (wss://rtc.<domain>/livekit/sfu). */
  livekitUrl: string;
  /** Server names whose users may create rooms: ours. */
  fullAccessHomeservers: string[];
  /** host:port to bind. */
  bind: string;
  /** Files holding the API key and the API secret. */
  keyFile: string;
  secretFile: string;
}

export function renderLkJwtEnv(input: LkJwtEnvInput): Record<string, string> {
  if (input.fullAccessHomeservers.some((h) => h === "*" || h.trim() === "")) {
    throw new Error(`lk-jwt-service full-access homeservers must be named server names, not ${JSON.stringify(input.fullAccessHomeservers)}`);
  }
  return {
    LIVEKIT_URL: input.livekitUrl,
    LIVEKIT_KEY_FROM_FILE: input.keyFile,
    LIVEKIT_SECRET_FROM_FILE: input.secretFile,
    LIVEKIT_FULL_ACCESS_HOMESERVERS: input.fullAccessHomeservers.join(","),
    LIVEKIT_JWT_BIND: input.bind,
  };
}
