/**
 * A switch may only ask for a system this program can deploy. The registry
 * (catalog/components.ts) says which systems are built; a switch that is on for one that is not
 * yet is a configuration error, raised by the program (and the plan) before any resource is
 * registered. Sizing itself sizes any spec, so the sizing of systems still to come stays testable.
 */
import { unbuiltSwitches } from "../catalog/components";
import { regionsOf } from "../catalog/regions";
import { bridgeCapacityProblems } from "./bridges";
import { ConfigValidationError, PROJECT, type ConfigProblem } from "../config/parse";
import type { PlatformSpec } from "../config/spec";

export function unbuiltSystemProblems(spec: Pick<PlatformSpec, "features">): ConfigProblem[] {
  return unbuiltSwitches(spec.features).map(({ feature, pending }) => ({
    key: `${PROJECT}:${feature}`,
    value: "true",
    allowed: `false for now: this version does not deploy it yet (${pending}); remove the key or set it to false`,
  }));
}

/**
 * Regions must be real regions of the chosen cloud (catalog/regions.ts): the key's own check sees
 * only the shape, and a region that does not exist would fail only at `pulumi up`, half deployed.
 */
export function unknownRegionProblems(spec: Pick<PlatformSpec, "platform" | "cloud">): ConfigProblem[] {
  const known = regionsOf(spec.platform);
  if (known.length === 0) return [];
  return (["region", "secondaryRegion"] as const)
    .filter((k) => spec.cloud[k] !== undefined && !known.includes(spec.cloud[k]!))
    .map((k) => ({ key: `${PROJECT}:${k}`, value: spec.cloud[k], allowed: `a region of ${spec.platform.toUpperCase()}, one of ${known.join(", ")}` }));
}

/**
 * Throws the same error as config validation when a switch asks for an unbuilt system, a region
 * does not exist on the stack's cloud, or a bridge is asked to carry more accounts than its one
 * process can hold on one bridge node.
 */
export function assertDeployable(spec: DeployableSpec): void {
  const problems = deployabilityProblems(spec);
  if (problems.length > 0) throw new ConfigValidationError(problems);
}

type DeployableSpec = Pick<PlatformSpec, "features" | "platform" | "cloud" | "bridges" | "sizingModel">;

/** What assertDeployable refuses, as a list (empty when the spec can be deployed). */
export function deployabilityProblems(spec: DeployableSpec): ConfigProblem[] {
  return [...unbuiltSystemProblems(spec), ...unknownRegionProblems(spec), ...bridgeCapacityProblems(spec)];
}
