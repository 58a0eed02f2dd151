import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import { FlowPolicies, type FlowSpec, type NetworkFlows } from "../k8s/network";

/** Where a platform's own flows (add-ons, data services) go. */
export interface FlowTarget {
  /**
   * The stack's flow registry. When given, the flows are declared on it and it writes the
   * policies; when absent, the platform writes its own FlowPolicies (as before the program
   * created a registry). Default: absent.
   */
  flows?: NetworkFlows;
  /** Provider of the cluster the policies go into. */
  provider: k8s.Provider;
  /** Parent of the FlowPolicies component, when one is created. */
  parent: pulumi.Resource;
  /** What the policies wait for (the namespaces they are written into). */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * Declares `specs` on the registry if there is one, otherwise writes them as a FlowPolicies
 * component named `name` with policy names prefixed by `namePrefix`. Either way the policies
 * end up under `target.parent` in a FlowPolicies named `name`.
 */
export function declarePlatformFlows(name: string, namePrefix: string, specs: FlowSpec[], target: FlowTarget): void {
  if (target.flows) {
    // Same parent and resource name as the FlowPolicies below, so the policies keep their URNs
    // whichever way they are written.
    for (const f of specs) target.flows.allow(f, { namePrefix, parent: target.parent, resourceName: name });
    return;
  }
  new FlowPolicies(name, { flows: specs, namePrefix }, { parent: target.parent, provider: target.provider, dependsOn: target.dependsOn });
}
