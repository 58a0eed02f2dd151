import * as pulumi from "@pulumi/pulumi";
import { readSpec } from "./config";

/**
 * The whole deployment: validated spec -> sizing -> platform -> the cloud-agnostic stack.
 * Validation runs first and throws before any resource is registered.
 */
export async function program(): Promise<Record<string, unknown>> {
  const spec = readSpec();
  return {
    platform: spec.platform,
    environment: spec.environment,
    ccu: spec.ccu,
    serverName: spec.serverName,
    stack: pulumi.getStack(),
  };
}
