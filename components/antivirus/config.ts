/** The clamd pod's config files (pure): clamd.conf and freshclam.conf at the pod's paths. */
import { ANTIVIRUS_PORTS, renderClamdConf, renderFreshclamConf } from "../../render/antivirus";
import { CLAMD_PATHS } from "./pods";

/** clamd's concurrent scans (its default); more replicas, not more threads, add capacity. */
export const CLAMD_THREADS = 10;
/** freshclam's checks per day (ClamAV publishes daily updates several times a day). */
export const FRESHCLAM_CHECKS = 12;

export function clamdPodConfig(args: { maxUploadBytes: number; mirror: string }): Record<string, string> {
  return {
    "clamd.conf": renderClamdConf({
      tcpAddr: "0.0.0.0",
      tcpPort: ANTIVIRUS_PORTS.clamd,
      databaseDirectory: CLAMD_PATHS.signatures,
      temporaryDirectory: CLAMD_PATHS.scratch,
      streamMaxBytes: args.maxUploadBytes,
      maxThreads: CLAMD_THREADS,
      selfCheckSeconds: 3600,
    }),
    "freshclam.conf": renderFreshclamConf({
      databaseDirectory: CLAMD_PATHS.signatures,
      mirror: args.mirror,
      checksPerDay: FRESHCLAM_CHECKS,
      notifyClamdConf: CLAMD_PATHS.clamdConf,
    }),
  };
}
