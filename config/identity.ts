/**
 * The preview-time guard on the homeserver's identity. The Matrix server name is permanent: it is
 * in every user ID, room ID and event, and other servers pin it together with the signing key. A
 * stack that already deployed one server name may not switch to another unless it says so.
 */
import { ConfigValidationError, PROJECT, type ConfigProblem } from "./parse";
import type { PlatformSpec } from "./spec";

/** What the last deployment of the stack published (its stack outputs). */
export interface DeployedIdentity {
  serverName?: string;
}

export function identityChangeProblems(deployed: DeployedIdentity | undefined, spec: Pick<PlatformSpec, "serverName" | "allowIdentityChange">): ConfigProblem[] {
  if (!deployed?.serverName || deployed.serverName === spec.serverName || spec.allowIdentityChange) return [];
  return [{
    key: `${PROJECT}:serverName`,
    value: spec.serverName,
    allowed: `the deployed server name ${deployed.serverName}: it is permanent (every user ID and event carries it, and federating servers pin it with the signing key, which would be replaced too); set ${PROJECT}:allowIdentityChange to true to replace both on purpose`,
  }];
}

/** Throws a config error when the stack would change its deployed server name without leave. */
export function assertIdentityKept(deployed: DeployedIdentity | undefined, spec: Pick<PlatformSpec, "serverName" | "allowIdentityChange">): void {
  const problems = identityChangeProblems(deployed, spec);
  if (problems.length > 0) throw new ConfigValidationError(problems);
}
