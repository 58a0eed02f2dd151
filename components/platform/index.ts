import * as pulumi from "@pulumi/pulumi";
import type { PlatformSpec } from "../../config/spec";
import type { Sizing } from "../../sizing/types";
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
export function createPlatform(name: string, spec: PlatformSpec, sizing: Sizing, opts?: pulumi.ComponentResourceOptions): Platform {
  switch (spec.platform) {
    case "existing":
      return new ExistingClusterPlatform(name, { spec, sizing }, opts);
    case "aws":
      return new AwsPlatform(name, { spec, sizing }, opts);
    case "gcp":
      return new GcpPlatform(name, { spec, sizing }, opts);
  }
}
