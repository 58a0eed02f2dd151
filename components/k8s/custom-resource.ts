/**
 * Custom resources with a recorded dependency on what defines their kind. A component's
 * `dependsOn` is not inherited by its children, so an HTTPRoute created inside a component that
 * waits for the Gateway API release would carry no edge to it in the state: destroy could remove
 * the CRDs first, and `--target` would not pull the release in. Every custom resource is created
 * here, with the providers of its API group (the add-ons' releases: catalog/addons.ts) among its
 * dependencies.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { apiGroupOf, apiGroupsOf, type AddonName } from "../../catalog/addons";
import type { CrdProviders } from "../contracts";

/** A custom resource's arguments with its apiVersion known when the program runs. */
export type CustomResourceArgs = k8s.apiextensions.CustomResourceArgs & { apiVersion: string; kind: string };

/** The `dependsOn` of `opts` plus `extra`; `dependsOn` is a resource or a plain list here. */
export function withDependencies(opts: pulumi.CustomResourceOptions, extra: readonly pulumi.Resource[]): pulumi.CustomResourceOptions {
  const given = opts.dependsOn;
  if (given !== undefined && !Array.isArray(given) && !pulumi.Resource.isInstance(given)) {
    throw new Error("withDependencies: dependsOn must be a resource or a list of resources, not an output");
  }
  const list = given === undefined ? [] : Array.isArray(given) ? given : [given];
  return { ...opts, dependsOn: [...list, ...extra.filter((r) => !list.includes(r))] };
}

/** A custom resource depending on the providers of its API group (an error if none is known). */
export function customResource(name: string, args: CustomResourceArgs, opts: pulumi.CustomResourceOptions, crds: CrdProviders): k8s.apiextensions.CustomResource {
  const group = apiGroupOf(args.apiVersion);
  const providers = crds[group];
  if (!providers) throw new Error(`${name}: nothing in this stack installs the ${group} CRDs (${args.apiVersion} ${args.kind}); known groups: ${Object.keys(crds).sort().join(", ")}`);
  return new k8s.apiextensions.CustomResource(name, args, withDependencies(opts, providers));
}

/** The CRD providers of the add-ons so far: each release (or an existing add-on's CRD reads) behind its API groups. */
export function crdProvidersOf(releases: Partial<Record<AddonName, pulumi.Resource | readonly pulumi.Resource[]>>): CrdProviders {
  return Object.fromEntries((Object.entries(releases) as [AddonName, pulumi.Resource | readonly pulumi.Resource[] | undefined][])
    .filter((entry): entry is [AddonName, pulumi.Resource | readonly pulumi.Resource[]] => entry[1] !== undefined)
    .flatMap(([addon, provider]) => apiGroupsOf(addon).map((group) => [group, Array.isArray(provider) ? provider : [provider]])));
}
