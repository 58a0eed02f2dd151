/**
 * The antivirus pod templates (pure: plain values in, Kubernetes objects out).
 *
 * clamd pod: an init container seeds the signature volume with the databases the image ships
 * (clamav/clamav-debian's non-`_base` tags carry them, so a pod starts even when the mirror is
 * unreachable) and asks the mirror for newer ones once; clamd serves INSTREAM on TCP; a freshclam
 * sidecar keeps the volume current and tells clamd to reload. Readiness is clamd answering PING,
 * which it does only once its signatures are loaded (it opens its socket after loading them).
 *
 * Scan worker pod: the repo's scan worker (images/scan-worker), token from its Secret as a file.
 */
import type * as k8s from "@pulumi/kubernetes";
import type { Placement } from "../contracts";
import type { WorkloadSizing } from "../../sizing/types";
import { ANTIVIRUS_PORTS, CLAMAV_MAX_SIZE, SCAN_TIMEOUT_SECONDS } from "../../render/antivirus";
import { resourcesOf, restrictedContainer, restrictedPod } from "../k8s/pod-spec";
import { CLAMAV_UID, CLAMD_NAME, SCAN_WORKER_NAME, SCAN_WORKER_UID } from "./names";
import { selectorLabels } from "../k8s/labels";

type PodSpec = k8s.types.input.core.v1.PodSpec;

/** Paths inside the clamd pod. */
export const CLAMD_PATHS = {
  configDir: "/etc/clamav-platform",
  clamdConf: "/etc/clamav-platform/clamd.conf",
  freshclamConf: "/etc/clamav-platform/freshclam.conf",
  signatures: "/var/lib/clamav-signatures",
  /** Where the image keeps the databases it ships. */
  imageSignatures: "/var/lib/clamav",
  scratch: "/var/tmp/clamd",
} as const;

/** Paths inside the scan worker pod. */
export const SCAN_WORKER_PATHS = { token: "/etc/scan-worker/token/token" } as const;

/**
 * The signature set is about 400 MB on disk (main, daily, bytecode), and an update writes the new
 * file beside the old one: 2 GiB bounds it with room. clamd unpacks archives into its scratch
 * space, up to its MaxScanSize (four uploads).
 */
export function clamdVolumeSizes(maxUploadBytes: number): { signaturesGi: number; scratchGi: number } {
  const scan = Math.min(CLAMAV_MAX_SIZE, maxUploadBytes * 4);
  return { signaturesGi: 2, scratchGi: Math.max(1, Math.ceil((scan * 1.25) / 1024 ** 3)) };
}

/** freshclam is serving its purpose while the volume holds a database (it exits on a fatal error). */
const hasSignatures = ["/bin/sh", "-c", `ls ${CLAMD_PATHS.signatures} | grep -Eq '\\.(cvd|cld)$'`];

const clamdscanPing = (seconds: number) => ["clamdscan", `--config-file=${CLAMD_PATHS.clamdConf}`, `--ping=${seconds}`];

/**
 * The clamd exporter sidecar (monitoring deployed): the scan worker image's
 * `scan_worker.clamd_exporter`, asking this pod's clamd for VERSION and STATS on every scrape.
 */
export function clamdExporterContainer(image: string): k8s.types.input.core.v1.Container {
  return restrictedContainer({
    name: "clamd-exporter",
    image,
    command: ["python", "-m", "scan_worker.clamd_exporter"],
    env: [
      { name: "CLAMD_HOST", value: "127.0.0.1" },
      { name: "CLAMD_PORT", value: String(ANTIVIRUS_PORTS.clamd) },
      { name: "EXPORTER_PORT", value: String(ANTIVIRUS_PORTS.clamdMetrics) },
    ],
    ports: [{ name: "metrics", containerPort: ANTIVIRUS_PORTS.clamdMetrics }],
    resources: { requests: { cpu: "10m", memory: "48Mi", "ephemeral-storage": "64Mi" }, limits: { cpu: "200m", memory: "128Mi", "ephemeral-storage": "128Mi" } },
    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
    // It answers even when clamd does not (clamd_up 0): the probes watch the exporter only. Ready
    // when it serves a scrape; alive while it accepts connections.
    readinessProbe: { httpGet: { path: "/metrics", port: "metrics" }, periodSeconds: 30, failureThreshold: 3, timeoutSeconds: 5 },
    livenessProbe: { tcpSocket: { port: "metrics" }, periodSeconds: 30, failureThreshold: 3, timeoutSeconds: 3 },
  }, CLAMAV_UID);
}

export function clamdPodSpec(args: { image: string; sizing: WorkloadSizing; placement: Placement; configMapName: string; maxUploadBytes: number; exporterImage?: string }): PodSpec {
  const sizes = clamdVolumeSizes(args.maxUploadBytes);
  const mounts = {
    config: { name: "config", mountPath: CLAMD_PATHS.configDir, readOnly: true },
    signatures: { name: "signatures", mountPath: CLAMD_PATHS.signatures },
  };
  const freshclamResources = { requests: { cpu: "50m", memory: "128Mi", "ephemeral-storage": "128Mi" }, limits: { cpu: "500m", memory: "512Mi", "ephemeral-storage": "256Mi" } };
  return restrictedPod({
    uid: CLAMAV_UID,
    placement: args.placement,
    selector: selectorLabels(CLAMD_NAME),
    // clamd finishes the scans in flight on SIGTERM.
    terminationGracePeriodSeconds: 60,
    volumes: [
      { name: "config", configMap: { name: args.configMapName } },
      // emptyDir, not a PersistentVolume: see components/antivirus/README.md ("Signatures").
      { name: "signatures", emptyDir: { sizeLimit: `${sizes.signaturesGi}Gi` } },
      { name: "scratch", emptyDir: { sizeLimit: `${sizes.scratchGi}Gi` } },
    ],
    initContainers: [restrictedContainer({
      name: "signatures",
      image: args.image,
      command: ["/bin/sh", "-c"],
      // The image's databases first, then one update; a failed update (mirror down) keeps them,
      // so the pod still starts, and the sidecar retries on its schedule.
      args: [
        `cp -a ${CLAMD_PATHS.imageSignatures}/. ${CLAMD_PATHS.signatures}/ 2>/dev/null || true; ` +
        `freshclam --foreground --config-file=${CLAMD_PATHS.freshclamConf} || echo "freshclam: first update failed; starting with the image's databases"; ` +
        `ls ${CLAMD_PATHS.signatures} | grep -Eq '\\.(cvd|cld)$' || { echo "no signature database in ${CLAMD_PATHS.signatures}" >&2; exit 1; }`,
      ],
      resources: freshclamResources,
      volumeMounts: [mounts.config, mounts.signatures],
    }, CLAMAV_UID)],
    containers: [
      restrictedContainer({
        name: "clamd",
        image: args.image,
        command: ["clamd", "--foreground", `--config-file=${CLAMD_PATHS.clamdConf}`],
        ports: [{ name: "clamd", containerPort: ANTIVIRUS_PORTS.clamd }],
        resources: resourcesOf(args.sizing.resources),
        volumeMounts: [mounts.config, { ...mounts.signatures, readOnly: true }, { name: "scratch", mountPath: CLAMD_PATHS.scratch }],
        // Loading the full signature set takes up to a few minutes on a small node.
        startupProbe: { exec: { command: clamdscanPing(5) }, periodSeconds: 10, failureThreshold: 60, timeoutSeconds: 10 },
        readinessProbe: { exec: { command: clamdscanPing(2) }, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 5 },
        livenessProbe: { exec: { command: clamdscanPing(3) }, periodSeconds: 30, failureThreshold: 4, timeoutSeconds: 10 },
      }, CLAMAV_UID),
      restrictedContainer({
        name: "freshclam",
        image: args.image,
        command: ["freshclam", "--daemon", "--foreground", `--config-file=${CLAMD_PATHS.freshclamConf}`],
        resources: freshclamResources,
        readinessProbe: { exec: { command: hasSignatures }, periodSeconds: 30, failureThreshold: 3, timeoutSeconds: 5 },
        // Alive while it can still write updates (the volume is there and writable); ready once a database is.
        livenessProbe: { exec: { command: ["/bin/sh", "-c", `test -d ${CLAMD_PATHS.signatures} && test -w ${CLAMD_PATHS.signatures}`] }, periodSeconds: 60, failureThreshold: 3, timeoutSeconds: 5 },
        volumeMounts: [mounts.config, mounts.signatures],
      }, CLAMAV_UID),
      ...(args.exporterImage ? [clamdExporterContainer(args.exporterImage)] : []),
    ],
  });
}

export function scanWorkerPodSpec(args: { image: string; sizing: WorkloadSizing; placement: Placement; tokenSecretName: string; clamdHost: string; maxUploadBytes: number }): PodSpec {
  return restrictedPod({
    uid: SCAN_WORKER_UID,
    placement: args.placement,
    selector: selectorLabels(SCAN_WORKER_NAME),
    volumes: [{ name: "token", secret: { secretName: args.tokenSecretName, defaultMode: 0o440, items: [{ key: "token", path: "token" }] } }],
    containers: [restrictedContainer({
      name: SCAN_WORKER_NAME,
      image: args.image,
      env: [
        { name: "SCAN_WORKER_TOKEN_FILE", value: SCAN_WORKER_PATHS.token },
        { name: "CLAMD_HOST", value: args.clamdHost },
        { name: "CLAMD_PORT", value: String(ANTIVIRUS_PORTS.clamd) },
        // Synapse's max_upload_size: nothing Synapse accepts is refused for its size here.
        { name: "SCAN_MAX_BYTES", value: String(args.maxUploadBytes) },
        { name: "SCAN_TIMEOUT_SECONDS", value: String(SCAN_TIMEOUT_SECONDS.worker) },
        { name: "LISTEN_PORT", value: String(ANTIVIRUS_PORTS.scanHttp) },
        { name: "METRICS_PORT", value: String(ANTIVIRUS_PORTS.scanMetrics) },
      ],
      ports: [{ name: "http", containerPort: ANTIVIRUS_PORTS.scanHttp }, { name: "metrics", containerPort: ANTIVIRUS_PORTS.scanMetrics }],
      resources: resourcesOf(args.sizing.resources),
      volumeMounts: [{ name: "tmp", mountPath: "/tmp" }, { name: "token", mountPath: "/etc/scan-worker/token", readOnly: true }],
      // Ready only while clamd answers (a worker that cannot scan takes no traffic); alive while it serves.
      readinessProbe: { httpGet: { path: "/readyz", port: "http" }, periodSeconds: 5, failureThreshold: 2, timeoutSeconds: 3 },
      livenessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 3 },
    }, SCAN_WORKER_UID)],
  });
}
