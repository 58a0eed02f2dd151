/** Object names of the RTC system, and the label selectors of its pods. */
import { selectorLabels } from "../k8s/labels";

export const RTC_NAMES = {
  livekit: "livekit",
  lkJwt: "lk-jwt-service",
  coturn: "coturn",
  /** LiveKit's config.yaml + key file (media namespace). */
  livekitSecret: "livekit",
  /** lk-jwt-service's copy of the LiveKit key and secret, as two files (Matrix namespace). */
  lkJwtSecret: "lk-jwt-service-keys",
  coturnSecret: "coturn",
  /** cert-manager Certificate / Secret of the TURN host. */
  turnTls: "turn-tls",
} as const;

export const rtcSelector = (name: string) => selectorLabels(name);
