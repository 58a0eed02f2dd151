import * as pulumi from "@pulumi/pulumi";
import { parseSpec } from "./parse";
import type { PlatformSpec } from "./spec";

export * from "./keys";
export * from "./spec";
export { parseSpec, ConfigValidationError, PROJECT } from "./parse";
export type { ConfigProblem } from "./parse";

/** The program's only reader of Pulumi config. */
export function readSpec(): PlatformSpec {
  return parseSpec(pulumi.runtime.allConfig(), pulumi.getStack());
}
