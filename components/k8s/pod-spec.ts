/**
 * Pod-spec building blocks shared by every in-cluster system's workloads: restricted security contexts, probes,
 * zone/host spread, resources from sizing, placement, PDBs. Plain objects (Pulumi input shapes).
 */
import * as crypto from "crypto";
import type * as k8s from "@pulumi/kubernetes";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./security-context";
import type { Placement } from "../contracts";
import type { ResourceShape } from "../../sizing/types";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;

/**
 * Kubernetes resources from a sizing shape, plus ephemeral storage (container logs, /tmp and any
 * disk-backed emptyDir count against it): `ephemeralGi` is the limit, a quarter of it requested.
 */
export function resourcesOf(r: ResourceShape, ephemeralGi = 1): k8s.types.input.core.v1.ResourceRequirements {
  const requestMi = Math.max(128, Math.round((ephemeralGi * 1024) / 4));
  return {
    requests: { cpu: `${r.cpuRequestMillis}m`, memory: `${r.memoryRequestMi}Mi`, "ephemeral-storage": `${requestMi}Mi` },
    limits: { cpu: `${r.cpuLimitMillis}m`, memory: `${r.memoryLimitMi}Mi`, "ephemeral-storage": `${ephemeralGi}Gi` },
  };
}

/** HTTP GET probe on a named port. */
export function httpProbe(path: string, port: string, opts: { period?: number; failures?: number; initialDelay?: number; timeout?: number } = {}): k8s.types.input.core.v1.Probe {
  return {
    httpGet: { path, port },
    periodSeconds: opts.period ?? 10,
    failureThreshold: opts.failures ?? 3,
    timeoutSeconds: opts.timeout ?? 3,
    ...(opts.initialDelay ? { initialDelaySeconds: opts.initialDelay } : {}),
  };
}

/** Spread replicas over zones (best effort: single-zone clusters still schedule) and hosts. */
export function spreadConstraints(selector: Record<string, string>): k8s.types.input.core.v1.TopologySpreadConstraint[] {
  return [
    { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
    { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
  ];
}

/** A container that meets the restricted Pod Security Standard (read-only root filesystem). */
export function restrictedContainer(c: Container, uid: number): Container {
  return { imagePullPolicy: "IfNotPresent", ...c, securityContext: restrictedContainerSecurityContext(uid, true) };
}

/** Pod spec with the restricted pod security context, placement, spread and a /tmp emptyDir. */
export function restrictedPod(args: {
  uid: number;
  containers: Container[];
  initContainers?: Container[];
  volumes?: k8s.types.input.core.v1.Volume[];
  placement: Placement;
  selector: Record<string, string>;
  serviceAccountName?: string;
  terminationGracePeriodSeconds?: number;
}): PodSpec {
  return {
    securityContext: restrictedPodSecurityContext(args.uid),
    automountServiceAccountToken: false,
    ...(args.serviceAccountName ? { serviceAccountName: args.serviceAccountName } : {}),
    enableServiceLinks: false,
    nodeSelector: args.placement.nodeSelector,
    tolerations: args.placement.tolerations,
    topologySpreadConstraints: spreadConstraints(args.selector),
    terminationGracePeriodSeconds: args.terminationGracePeriodSeconds ?? 30,
    ...(args.initContainers ? { initContainers: args.initContainers } : {}),
    containers: args.containers,
    volumes: [{ name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "256Mi" } }, ...(args.volumes ?? [])],
  };
}

/** Short content hash for a pod annotation, so config changes roll the pods. */
export function checksum(...parts: string[]): string {
  const h = crypto.createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return h.digest("hex").slice(0, 16);
}
