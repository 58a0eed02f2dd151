/**
 * Pod Security Standards, checked on rendered pod specs before a cluster's admission controller
 * sees them (pure; used by the validation gate and unit tests).
 *
 * Implements the controls of the "baseline" and "restricted" levels that a pod spec written by
 * this program can violate: host namespaces, privileged containers, capabilities, host paths and
 * ports, volume types, privilege escalation, non-root, seccomp. (AppArmor, SELinux, /proc mount
 * and sysctl controls are not used by the stack and are left to admission.)
 */
import type { PodSecurityLevel } from "./namespace";

type Obj = Record<string, unknown>;

/** Volume types the restricted level allows. */
const RESTRICTED_VOLUMES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

/** Capabilities baseline lets a container add. */
const BASELINE_CAPS = new Set([
  "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
]);

/** The pod template (metadata and spec) of a workload object, a Pod itself, or undefined for kinds that carry none. */
export function podTemplateOf(obj: { kind?: string; metadata?: unknown; spec?: unknown }): { metadata?: Obj; spec?: Obj } | undefined {
  const spec = obj.spec as Obj | undefined;
  if (!spec) return undefined;
  switch (obj.kind) {
    case "Pod":
      return obj as { metadata?: Obj; spec?: Obj };
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "ReplicaSet":
    case "Job":
      return spec.template as { metadata?: Obj; spec?: Obj } | undefined;
    case "CronJob":
      return ((spec.jobTemplate as Obj | undefined)?.spec as Obj | undefined)?.template as { metadata?: Obj; spec?: Obj } | undefined;
    default:
      return undefined;
  }
}

/** The pod spec inside a workload object, or undefined for kinds that carry none. */
export function podSpecOf(obj: { kind?: string; spec?: unknown }): Obj | undefined {
  return podTemplateOf(obj)?.spec ?? undefined;
}

function containersOf(pod: Obj): { kind: string; c: Obj }[] {
  return (["initContainers", "containers", "ephemeralContainers"] as const).flatMap((kind) =>
    ((pod[kind] as Obj[] | undefined) ?? []).map((c) => ({ kind, c })),
  );
}

/** Every control `pod` violates at `level` (empty when it is admitted). */
export function podSecurityViolations(pod: Obj, level: PodSecurityLevel): string[] {
  if (level === "privileged") return [];
  const v: string[] = [];
  const psc = (pod.securityContext as Obj | undefined) ?? {};
  // --- baseline ---
  for (const f of ["hostNetwork", "hostPID", "hostIPC"]) if (pod[f] === true) v.push(`${f} is true`);
  for (const vol of (pod.volumes as Obj[] | undefined) ?? []) if (vol.hostPath) v.push(`volume ${vol.name} is a hostPath`);
  for (const { c } of containersOf(pod)) {
    const name = String(c.name);
    const sc = (c.securityContext as Obj | undefined) ?? {};
    if (sc.privileged === true) v.push(`container ${name} is privileged`);
    const add = (((sc.capabilities as Obj | undefined)?.add as string[] | undefined) ?? []);
    for (const cap of add) {
      if (level === "restricted" ? cap !== "NET_BIND_SERVICE" : !BASELINE_CAPS.has(cap)) v.push(`container ${name} adds capability ${cap}`);
    }
    for (const p of (c.ports as Obj[] | undefined) ?? []) if (p.hostPort) v.push(`container ${name} uses hostPort ${p.hostPort}`);
  }
  if (level === "baseline") return v;
  // --- restricted ---
  for (const vol of (pod.volumes as Obj[] | undefined) ?? []) {
    const type = Object.keys(vol).find((k) => k !== "name");
    if (type && !RESTRICTED_VOLUMES.includes(type)) v.push(`volume ${vol.name} has type ${type}`);
  }
  const podNonRoot = psc.runAsNonRoot === true;
  const podSeccomp = ((psc.seccompProfile as Obj | undefined)?.type as string | undefined) ?? undefined;
  if (psc.runAsUser === 0) v.push("pod runAsUser is 0");
  if (podSeccomp && !["RuntimeDefault", "Localhost"].includes(podSeccomp)) v.push(`pod seccompProfile is ${podSeccomp}`);
  for (const { c } of containersOf(pod)) {
    const name = String(c.name);
    const sc = (c.securityContext as Obj | undefined) ?? {};
    if (sc.allowPrivilegeEscalation !== false) v.push(`container ${name} does not set allowPrivilegeEscalation: false`);
    const drop = (((sc.capabilities as Obj | undefined)?.drop as string[] | undefined) ?? []);
    if (!drop.includes("ALL")) v.push(`container ${name} does not drop ALL capabilities`);
    if (sc.runAsNonRoot === false || (!podNonRoot && sc.runAsNonRoot !== true)) v.push(`container ${name} is not runAsNonRoot`);
    if (sc.runAsUser === 0) v.push(`container ${name} runAsUser is 0`);
    const seccomp = ((sc.seccompProfile as Obj | undefined)?.type as string | undefined) ?? podSeccomp;
    if (!seccomp || !["RuntimeDefault", "Localhost"].includes(seccomp)) v.push(`container ${name} has no RuntimeDefault/Localhost seccomp profile`);
  }
  return v;
}

/**
 * Scratch space must be bounded: every disk-backed emptyDir needs a sizeLimit (memory-backed ones
 * count against the memory limit already) and every container a read-only root filesystem, so
 * a container's ephemeral storage is its logs plus bounded emptyDirs. This is what lets the gate
 * do without per-container ephemeral-storage limits (.kube-score.yaml). Pods written by operators
 * from custom resources are not pod specs of ours and are not checked.
 */
export function scratchSpaceViolations(pod: Obj): string[] {
  const v: string[] = [];
  for (const vol of (pod.volumes as Obj[] | undefined) ?? []) {
    const ed = vol.emptyDir as Obj | undefined;
    if (ed && ed.medium !== "Memory" && !ed.sizeLimit) v.push(`emptyDir ${vol.name} has no sizeLimit`);
  }
  for (const { c } of containersOf(pod)) {
    if (((c.securityContext as Obj | undefined) ?? {}).readOnlyRootFilesystem !== true) v.push(`container ${c.name} has a writable root filesystem`);
  }
  return v;
}
