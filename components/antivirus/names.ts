/** Names, labels and UIDs of the antivirus pods (one place; flows, Services and pods use them). */
import { CLAMD_NAME, SCAN_WORKER_NAME } from "../../render/antivirus";
import { selectorLabels, standardLabels } from "../k8s/labels";
import type { Workload } from "../k8s/network";

export { CLAMD_NAME, SCAN_WORKER_NAME };

/**
 * clamd and freshclam run as the image's own clamav user (clamav/clamav-debian creates it with
 * UID/GID 1000 and owns /var/lib/clamav by it); the scan worker as a UID of no host user.
 */
export const CLAMAV_UID = 1000;
export const SCAN_WORKER_UID = 10993;

export function clamdWorkload(namespace: string): Workload {
  return { namespace, podLabels: selectorLabels(CLAMD_NAME), name: CLAMD_NAME };
}

export function scanWorkerWorkload(namespace: string): Workload {
  return { namespace, podLabels: selectorLabels(SCAN_WORKER_NAME), name: SCAN_WORKER_NAME };
}

export const clamdLabels = () => standardLabels(CLAMD_NAME, "antivirus");
export const scanWorkerLabels = () => standardLabels(SCAN_WORKER_NAME, "antivirus");
