import * as fs from "fs";
import * as path from "path";
import { parsePresetName, presetConfig } from "./presets";
import { readStackFile, type StackFileConfig } from "./stack-file";

/** The folder holding package.json: the same whether this module runs from source or compiled into bin/. */
export const PROJECT_ROOT = projectRoot(__dirname);

function projectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/**
 * Raw config of a stack the way `pulumi` would hand it to the program: from `Pulumi.<stack>.yaml`
 * (looked up in the working directory first, as the Pulumi CLI does, then the project root) when
 * that file exists, else from the preset of that name. Non-string values are passed as
 * Pulumi passes them (numbers and booleans as strings, objects as JSON); `secure:` values are
 * listed in `secretKeys`. A file that is not a valid stack file throws StackFileError.
 */
export function loadStack(stack: string, roots: string[] = [process.cwd(), PROJECT_ROOT]): StackFileConfig {
  const file = roots.map((r) => path.join(r, `Pulumi.${stack}.yaml`)).find((f) => fs.existsSync(f));
  if (file) return readStackFile(file);
  const preset = parsePresetName(stack);
  if (preset) return { config: presetConfig(preset), secretKeys: [] };
  throw new Error(`unknown stack "${stack}": no Pulumi.${stack}.yaml and not a preset name <dev|staging|prod>-<aws|gcp|existing>-<100|1k|5k|10k|20k>`);
}

/** The config values of `loadStack`. */
export function loadStackConfig(stack: string, roots: string[] = [process.cwd(), PROJECT_ROOT]): Record<string, string> {
  return loadStack(stack, roots).config;
}
