/**
 * The cost estimate under a real `pulumi preview` / `up`: every resource the program registers is
 * recorded through a stack transformation, and once the program has run, its resolved inputs are
 * priced like the mock plan's (stacks/resource-cost.ts). The result becomes the `costEstimate`
 * stack output and one log line. Inputs unknown during a preview price as absent.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlatformSpec } from "../config/spec";
import type { Sizing } from "../sizing/types";
import { costOfResources, usageOf } from "./resource-cost";

export interface CostEstimateOutput {
  monthlyUsd: number;
  perCcuUsd: number;
  currency: "USD";
  /** Items without a dated price, listed instead of guessed. */
  unpriced: string[];
}

/** Starts recording registrations; call the returned function after the program has run. */
export function recordCost(spec: PlatformSpec, sizing: Sizing): () => pulumi.Output<CostEstimateOutput> {
  const registered: { type: string; name: string; props: pulumi.Inputs }[] = [];
  pulumi.runtime.registerStackTransformation((args) => {
    registered.push({ type: args.type, name: args.name, props: args.props });
    return undefined;
  });
  return () =>
    pulumi.all(registered.map((r) => pulumi.unsecret(pulumi.output(r.props)))).apply((props) => {
      const resources = registered.map((r, i) => ({ type: r.type, name: r.name, inputs: (props[i] ?? {}) as Record<string, unknown> }));
      const cost = costOfResources(resources, spec.platform, usageOf(sizing));
      const unpriced = [...new Set(cost.unpriced.map((u) => u.item))];
      const estimate: CostEstimateOutput = { monthlyUsd: Math.round(cost.monthlyUsd), perCcuUsd: Math.round((cost.monthlyUsd / spec.ccu) * 100) / 100, currency: "USD", unpriced };
      void pulumi.log.info(`cost estimate: $${estimate.monthlyUsd.toLocaleString("en-US")}/month, $${estimate.perCcuUsd} per CCU (${spec.ccu} CCU, ${sizing.model} model); ${unpriced.length} item(s) unpriced`);
      return estimate;
    });
}
