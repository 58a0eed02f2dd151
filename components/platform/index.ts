import type * as pulumi from "@pulumi/pulumi";
import type { PlatformSpec } from "../../config/spec";
import { minioServerPod } from "../../sizing/in-cluster-data-pods";
import type { Sizing } from "../../sizing/types";
import type { NetworkFlows } from "../k8s/network";
import { addonSettings } from "./addons";
import type { AwsPlatform } from "./aws";
import { ExistingClusterPlatform } from "./existing";
import type { GcpPlatform } from "./gcp";
import { deployedDatabases, type Platform } from "../contracts";
import { isDeployed, workloadEntry } from "../../catalog/components";
import { rtcPublicPorts } from "../../render/rtc/exposure";
import { deployedProjectImages } from "../../catalog/project-images";

export * from "../contracts";
export { ExistingClusterPlatform } from "./existing";
export { ClusterAddons, addonSettings } from "./addons";
export { placementFor } from "./placement";

/**
 * The one place the cloud is chosen, and the one place spec and sizing are cut into each
 * platform's narrow args. Everything after this consumes the `Platform` interface only:
 * endpoints, credentials, a storage class, placement and a Kubernetes provider. With `flows`,
 * the platform declares its add-on and data-service flows on the stack's registry instead of
 * writing its own policies.
 */
export function createPlatform(name: string, spec: PlatformSpec, sizing: Sizing, flows?: NetworkFlows, opts?: pulumi.ComponentResourceOptions): Platform {
  const common = {
    preset: sizing.preset,
    nodePools: sizing.nodePools,
    database: sizing.database,
    // The LI server exists only while LI is deployed (sizing counts it only then, too).
    liDatabase: isDeployed("li", spec) ? sizing.liDatabase : undefined,
    redis: sizing.redis,
    addons: addonSettings(spec, sizing),
    databases: deployedDatabases(spec.bridges, isDeployed("li", spec)),
    // Loki's logs bucket, on every platform, while monitoring is deployed.
    logsBucket: isDeployed("monitoring", spec),
    flows,
    // The edge nodes serve RTC media on host networking: the clouds open exactly its ports.
    rtcMedia: isDeployed("rtc", spec) ? { tier: workloadEntry("livekit").tier, rules: rtcPublicPorts(spec.rtc) } : undefined,
    projectImages: {
      images: deployedProjectImages(spec),
      prebuilt: spec.projectImages.prebuilt,
      mirror: spec.imageRegistry,
      packageIndex: spec.projectImages.packageIndex,
      pushRegistry: spec.projectImages.pushRegistry,
    },
  };
  // The clouds' managed servers get the PostgreSQL exporters' login while monitoring is deployed
  // (CloudNativePG's instances export their own metrics).
  const databaseMetrics = isDeployed("monitoring", spec);
  switch (spec.platform) {
    case "existing":
      return new ExistingClusterPlatform(name, {
        ...common,
        cluster: spec.existing,
        redisWorkload: sizing.components.redis,
        redisProxyWorkload: sizing.components.redisProxy,
        objectStore: sizing.objectStore,
        minioServerPod: minioServerPod(sizing.ccu),
      }, opts);
    // The cloud platforms are required only when chosen: @pulumi/aws and @pulumi/gcp cost about
    // half a CPU-second to load, which a plan of the existing platform need not pay.
    case "aws": {
      const { AwsPlatform: Aws } = require("./aws") as { AwsPlatform: typeof AwsPlatform };
      return new Aws(name, { ...common, databaseMetrics, stack: spec.stack, region: spec.cloud.region!, secondaryRegion: spec.cloud.secondaryRegion, clusterApi: spec.cloud.clusterApi! }, opts);
    }
    case "gcp": {
      const { GcpPlatform: Gcp } = require("./gcp") as { GcpPlatform: typeof GcpPlatform };
      return new Gcp(name, { ...common, databaseMetrics, stack: spec.stack, project: spec.cloud.gcpProject!, region: spec.cloud.region!, secondaryRegion: spec.cloud.secondaryRegion, clusterApi: spec.cloud.clusterApi! }, opts);
    }
  }
}
