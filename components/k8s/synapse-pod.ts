/**
 * Pod pieces every Synapse deployment shares (main's cluster and synapse-li): the UID, the
 * libpq password file line, and the init container that installs the S3 storage provider.
 */
import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import { s3ProviderRequirements } from "../../render/synapse";
import type { WorkloadSizing } from "../../sizing/types";
import { resourcesOf, restrictedContainer } from "./pod-spec";

/**
 * Synapse's user. The image's own start script would switch to 991; the command here runs
 * Synapse directly, and any UID can read the image's files, so a high UID keeps clear of host users.
 */
export const SYNAPSE_UID = 10991;

/** pgpass line; `:` and `\` are escaped as libpq requires. */
export function pgpassLine(host: string, port: number, db: string, user: string, password: string): string {
  const esc = (s: string) => s.replace(/\\/g, "\\\\").replace(/:/g, "\\:");
  return `${esc(host)}:${port}:${esc(db)}:${esc(user)}:${esc(password)}\n`;
}

/**
 * Init container of the media workers: the Synapse image does not ship synapse-s3-storage-provider,
 * so the pinned provider and the dependencies the image lacks are installed `--no-deps` into an
 * emptyDir on PYTHONPATH. Air-gapped sites point pip at their mirror with PIP_INDEX_URL.
 */
export function mediaModulesInit(image: pulumi.Input<string>, sizing: WorkloadSizing): k8s.types.input.core.v1.Container {
  return restrictedContainer({
    name: "s3-provider",
    image,
    command: ["python", "-m", "pip", "install", "--no-deps", "--no-cache-dir", "--disable-pip-version-check", "--no-warn-script-location", "--target", "/modules", ...s3ProviderRequirements()],
    env: [{ name: "HOME", value: "/tmp" }, { name: "PYTHONDONTWRITEBYTECODE", value: "1" }],
    resources: resourcesOf({ ...sizing.resources, cpuRequestMillis: 100, memoryRequestMi: 256, memoryLimitMi: 512 }, 1),
    volumeMounts: [{ name: "modules", mountPath: "/modules" }, { name: "tmp", mountPath: "/tmp" }],
  }, SYNAPSE_UID);
}
