import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { PROJECT } from "../config/parse";
import { parsePresetName, presetConfig } from "./presets";

export const PROJECT_ROOT = path.resolve(__dirname, "..");

/**
 * Raw config of a stack the way `pulumi` would hand it to the program: from `Pulumi.<stack>.yaml`
 * when that file exists, else from the preset of that name. Non-string values are passed as
 * Pulumi passes them (numbers and booleans as strings, objects as JSON).
 */
export function loadStackConfig(stack: string, root = PROJECT_ROOT): Record<string, string> {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (fs.existsSync(file)) {
    const doc = (parseYaml(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    return Object.fromEntries(
      Object.entries(doc.config ?? {}).map(([k, v]) => [
        k.includes(":") ? k : `${PROJECT}:${k}`,
        typeof v === "string" ? v : JSON.stringify(v),
      ]),
    );
  }
  const preset = parsePresetName(stack);
  if (preset) return presetConfig(preset);
  throw new Error(`unknown stack "${stack}": no Pulumi.${stack}.yaml and not a preset name <dev|staging|prod>-<aws|gcp|existing>-<100|1k|5k|10k|20k>`);
}
