import * as pulumi from "@pulumi/pulumi";
import type { PlatformSpec } from "../../config/spec";
import type { Sizing } from "../../sizing/types";
import type { NetworkFlows } from "../k8s/network";
import { AwsPlatform } from "./aws";
import { ExistingClusterPlatform } from "./existing";
import { GcpPlatform } from "./gcp";
import type { Platform } from "../contracts";

export * from "../contracts";
export { ExistingClusterPlatform } from "./existing";
export { AwsPlatform } from "./aws";
export { GcpPlatform } from "./gcp";
export { ClusterAddons } from "./addons";
export { placementFor } from "./placement";

/**
 * The one place the cloud is chosen. Everything after this consumes the `Platform` interface
 * only: endpoints, credentials, a storage class, placement and a Kubernetes provider.
 */
export function createPlatform(name: string, spec: PlatformSpec, sizing: Sizing, flows?: NetworkFlows, opts?: pulumi.ComponentResourceOptions): Platform {
  // `flows`: the stack's flow registry, on which the platform declares its add-ons' and data
  // services' flows and registers its namespaces.
  const args = { spec, sizing, flows };
  switch (spec.platform) {
    case "existing":
      return new ExistingClusterPlatform(name, args, opts);
    case "aws":
      return new AwsPlatform(name, args, opts);
    case "gcp":
      return new GcpPlatform(name, args, opts);
  }
}
