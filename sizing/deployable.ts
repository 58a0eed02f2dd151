/**
 * A switch may only ask for a system this program can deploy. The registry
 * (catalog/components.ts) says which systems are built; a switch that is on for one that is not
 * yet is a configuration error, raised by the program (and the plan) before any resource is
 * registered. Sizing itself sizes any spec, so the sizing of systems still to come stays testable.
 */
import { unbuiltSwitches } from "../catalog/components";
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
 * Throws the same error as config validation when a switch asks for an unbuilt system, or a
 * bridge is asked to carry more accounts than its one process can hold on one bridge node.
 */
export function assertDeployable(spec: Pick<PlatformSpec, "features" | "bridges" | "sizingModel">): void {
  const problems = [...unbuiltSystemProblems(spec), ...bridgeCapacityProblems(spec)];
  if (problems.length > 0) throw new ConfigValidationError(problems);
}
