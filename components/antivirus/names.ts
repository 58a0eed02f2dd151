/** Names, labels and UIDs of the antivirus pods (one place; flows, Services and pods use them). */
import { CLAMD_NAME, SCAN_WORKER_NAME } from "../../render/antivirus";
import { selectorLabels, standardLabels } from "../k8s/labels";
import type { Workload } from "../k8s/network";

export { CLAMD_NAME, SCAN_WORKER_NAME };

/**
 * clamd and freshclam run as a UID of no host user (kube-score, checkov CKV_K8S_40), not the
 * image's clamav user (1000, a common first login on nodes): they read the image's binaries and
 * shipped databases (world-readable) and write only to the pod's volumes (fsGroup). The scan
 * worker likewise.
 */
export const CLAMAV_UID = 10994;
export const SCAN_WORKER_UID = 10993;

export function clamdWorkload(namespace: string): Workload {
  return { namespace, podLabels: selectorLabels(CLAMD_NAME), name: CLAMD_NAME };
}

export function scanWorkerWorkload(namespace: string): Workload {
  return { namespace, podLabels: selectorLabels(SCAN_WORKER_NAME), name: SCAN_WORKER_NAME };
}

export const clamdLabels = () => standardLabels(CLAMD_NAME, "antivirus");
export const scanWorkerLabels = () => standardLabels(SCAN_WORKER_NAME, "antivirus");
