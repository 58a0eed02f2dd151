export { RTC_PORTS } from "./ports";
export { renderLivekitConfig, renderLivekitKeyFile, type LivekitConfigInput } from "./livekit";
export { renderCoturnConfig, DENIED_PEER_RANGES, TURN_QUOTAS, type CoturnConfigInput } from "./coturn";
export { renderLkJwtEnv, type LkJwtEnvInput } from "./lk-jwt";
export { rtcPublicPorts, type PublicPortRule } from "./exposure";
