import * as pulumi from "@pulumi/pulumi";
import { readSpec } from "./config";
import { size } from "./sizing";
import { createPlatform } from "./components/platform";
import { MatrixStack } from "./components/matrix";

/**
 * The whole deployment: validated spec -> sizing -> platform -> the cloud-agnostic stack.
 * Validation runs first and throws before any resource is registered.
 */
export async function program(): Promise<Record<string, unknown>> {
  const spec = readSpec();
  const sizing = size(spec);
  // Cloud differences stop here: everything below consumes the Platform interface only.
  const platform = createPlatform("platform", spec, sizing);
  // Synapse (main + workers + HAProxy), Element, Ketesa, .well-known and their routes.
  const matrix = new MatrixStack("matrix", { spec, sizing, platform });
  return {
    platform: spec.platform,
    environment: spec.environment,
    ccu: spec.ccu,
    serverName: spec.serverName,
    stack: pulumi.getStack(),
    storageClass: platform.storageClass,
    gateway: platform.gateway,
    signingKeyId: matrix.synapse.signingKeyId,
  };
}
