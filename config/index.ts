import * as pulumi from "@pulumi/pulumi";
import { parseSpec } from "./parse";
import type { PlatformSpec } from "./spec";

export * from "./keys";
export * from "./spec";
export { parseSpec, ConfigValidationError, PROJECT, displayValue, looksLikeCredential } from "./parse";
export type { ConfigProblem, ParseOptions } from "./parse";
export { configWarnings } from "./warnings";

/** The program's only reader of Pulumi config; values the stack holds as secrets are known as such. */
export function readSpec(): PlatformSpec {
  const secretKeysEnv = process.env.PULUMI_CONFIG_SECRET_KEYS;
  return parseSpec(pulumi.runtime.allConfig(), pulumi.getStack(), { secretKeys: configSecretKeys(secretKeysEnv), secretKeysKnown: secretKeysEnv !== undefined });
}

/** The keys the Pulumi CLI says hold secrets (it passes them as a JSON array in PULUMI_CONFIG_SECRET_KEYS). */
export function configSecretKeys(env: string | undefined): string[] {
  if (!env) return [];
  try {
    const keys: unknown = JSON.parse(env);
    return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === "string") : [];
  } catch {
    return [];
  }
}
