// Entry point for `pulumi up` / `pulumi preview`: config is read and validated, then sized, before
// any resource is registered; wiring lives in program.ts so tests and `npm run plan` run the same
// program under the mock engine. The cost of what is registered becomes a stack output.
import * as pulumi from "@pulumi/pulumi";
import { ConfigValidationError, configWarnings, readSpec } from "./config";
import { program } from "./program";
import { size } from "./sizing";
import { assertDeployable } from "./sizing/deployable";
import { assertLocalCharts } from "./stacks/local-charts";
import { recordCost } from "./stacks/preview-cost";

/**
 * Runs a validation step; bad input ends the run as a RunError, which the engine prints as its
 * message alone (an uncaught Error is printed with a stack trace that says nothing to the user).
 */
function validated<T>(step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (e instanceof ConfigValidationError) throw new pulumi.RunError(e.message);
    throw e;
  }
}

const spec = validated(readSpec);
// Refused switches and bridges too big for one process fail here, before sizing packs them.
validated(() => assertDeployable(spec));
// Local charts (addonCharts) are on this machine and are the pinned ones.
validated(() => assertLocalCharts(spec));
for (const warning of configWarnings(spec)) void pulumi.log.warn(warning);
const sizing = size(spec);
const costEstimate = recordCost(spec, sizing);
export = { ...program(spec, sizing), costEstimate: costEstimate() };
