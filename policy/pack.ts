/**
 * The CrossGuard policies (policy/index.ts serves them): `pulumi preview --policy-pack policy` (from the project root) runs
 * every mandatory check of policy/checks.ts on the resources of the stack being previewed, and
 * any violation fails the preview. Configuration (`--policy-pack-config <file.json>`):
 *
 *   { "production-protection": { "production": false },      // dev/staging: no deletion-protection rule
 *     "pinned-images": { "registry": "registry.internal:5000/mirror",      // = the stack's imageRegistry
 *                        "prebuiltImages": ["registry.internal:5000/ops/synapse:v1@sha256:..."] } }  // = its prebuilt*Image
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { CHECKS, type Check, type PolicyContext } from "./checks";
import { knownValues } from "./known-values";
import { checkedStack } from "./resources";

interface PackConfig {
  production?: boolean;
  registry?: string;
  prebuiltImages?: string[];
}

const CONFIG_SCHEMA: Record<string, StackValidationPolicy["configSchema"]> = {
  "production-protection": {
    properties: { production: { type: "boolean", default: true, description: "The stack is a production stack (environment prod)." } },
  },
  "pinned-images": {
    properties: {
      registry: { type: "string", description: "The stack's imageRegistry; unset: the public registries of catalog/images.ts." },
      prebuiltImages: { type: "array", items: { type: "string" }, description: "The stack's prebuilt project images (config prebuilt*Image), digest-pinned references it may run." },
    },
  },
};

export function asPolicy(check: Check): StackValidationPolicy {
  return {
    name: check.name,
    description: check.description,
    enforcementLevel: "mandatory",
    configSchema: CONFIG_SCHEMA[check.name],
    validateStack: (args, reportViolation) => {
      const config = (CONFIG_SCHEMA[check.name] ? args.getConfig<PackConfig>() : {}) as PackConfig;
      const ctx: PolicyContext = { production: config.production ?? true, registry: config.registry || undefined, prebuiltImages: config.prebuiltImages ?? [] };
      const stack = checkedStack(args.resources.map((r: PolicyResource) => ({ type: r.type, name: r.name, inputs: knownValues(r.props) as Record<string, unknown>, urn: r.urn })));
      for (const violation of check.run(stack, ctx)) reportViolation(violation.message, violation.urn);
    },
  };
}

/** The pack's policies: one mandatory stack policy per check. */
export const PACK_POLICIES: StackValidationPolicy[] = CHECKS.map(asPolicy);
