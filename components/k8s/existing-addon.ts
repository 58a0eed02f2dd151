/**
 * An add-on the cluster already runs (config `existingAddons`): instead of its release, the stack
 * reads the CRDs it writes resources of and checks each serves the version it writes and, where
 * the CRDs carry their release's `app.kubernetes.io/version`, that the release is not older than
 * the stack needs. The reads are what the custom resources then depend on. A failed check stops
 * the preview with one sentence naming the key, the CRD and what is missing.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ADDONS, type AddonName, type AddonSpec, type CrdKind } from "../../catalog/addons";

/** What a read CRD tells: its served versions and its labels. */
export interface CrdFound {
  versions?: readonly { name: string; served?: boolean }[];
  labels?: Readonly<Record<string, string>>;
}

/** `v1.21.2` -> [1, 21, 2]; undefined when it is no such version. */
function versionParts(v: string): number[] | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

/** Why a CRD of an existing add-on does not do, or undefined when it does. */
export function existingCrdProblem(addon: AddonName, crdName: string, writes: readonly string[], found: CrdFound): string | undefined {
  const served = (found.versions ?? []).filter((v) => v.served !== false).map((v) => v.name);
  const missing = writes.filter((v) => !served.includes(v));
  if (missing.length > 0) {
    return `matrix-platform:existingAddons names ${addon}, but the cluster's CRD ${crdName} serves ${served.join(", ") || "no version"}, not ${missing.join(", ")}, which the stack writes: upgrade ${addon}, or let the stack install it (remove it from existingAddons)`;
  }
  const minimum = (ADDONS[addon] as AddonSpec).existing;
  const label = found.labels?.["app.kubernetes.io/version"];
  const have = label === undefined ? undefined : versionParts(label);
  const need = minimum ? versionParts(minimum.minimumVersion) : undefined;
  if (minimum && have && need) {
    const older = have[0] !== need[0] ? have[0] < need[0] : have[1] !== need[1] ? have[1] < need[1] : have[2] < need[2];
    if (older) return `matrix-platform:existingAddons names ${addon}, but the cluster runs ${label} (label of ${crdName}); the stack needs ${minimum.minimumVersion} or later: ${minimum.reason}`;
  }
  return undefined;
}

/** The CRDs of an add-on the stack writes, by CRD name, with the versions it writes of each. */
export function crdsWritten(addon: AddonName): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of ADDONS[addon].crds as readonly CrdKind[]) {
    const name = `${c.plural}.${c.group}`;
    out.set(name, [...new Set([...(out.get(name) ?? []), c.version])]);
  }
  return out;
}

/**
 * Reads each CRD of an existing add-on; `checked` resolves when every one does (and fails the
 * run with the problem otherwise): register it as an output so the run waits for it.
 */
export function readExistingAddon(name: string, addon: AddonName, opts: { provider: k8s.Provider; parent: pulumi.Resource }): { crds: k8s.apiextensions.v1.CustomResourceDefinition[]; checked: pulumi.Output<string[]> } {
  const crds: k8s.apiextensions.v1.CustomResourceDefinition[] = [];
  const checks: pulumi.Output<string>[] = [];
  for (const [crdName, writes] of crdsWritten(addon)) {
    const crd = k8s.apiextensions.v1.CustomResourceDefinition.get(`${name}-${crdName}`, crdName, opts);
    crds.push(crd);
    checks.push(pulumi.all([crd.spec.versions, crd.metadata.labels]).apply(([versions, labels]) => {
      const problem = existingCrdProblem(addon, crdName, writes, { versions, labels });
      if (problem) throw new pulumi.RunError(problem);
      return crdName;
    }));
  }
  return { crds, checked: pulumi.all(checks) };
}
