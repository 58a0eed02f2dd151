/**
 * Before any resource: every local chart a stack names (config `addonCharts`) is there and is
 * the add-on's pinned chart. Helm would otherwise install whatever the path holds — another
 * chart, another version — or fail halfway through an update. A chart directory is read from its
 * Chart.yaml; an archive by the name `helm pull` gives it (`<chart>-<version>.tgz`), because
 * Helm's own archives are named so and reading the archive would mean unpacking it here.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ADDONS, type AddonName } from "../catalog/addons";
import { CHARTS } from "../catalog/charts";
import { ConfigValidationError, PROJECT, type ConfigProblem, type PlatformSpec } from "../config";

/** What is wrong with one local chart path for an add-on, or undefined when it holds the pinned chart. */
export function localChartProblem(addon: AddonName, chartPath: string): string | undefined {
  const pinned = CHARTS[ADDONS[addon].chart];
  const want = `the ${pinned.chart} chart at version ${pinned.version}`;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(chartPath);
  } catch {
    return `${chartPath} does not exist on this machine; ${addon} needs ${want} there (a chart directory, or the archive helm pull writes: ${pinned.chart}-${pinned.version}.tgz)`;
  }
  if (stat.isFile()) {
    const expected = `${pinned.chart}-${pinned.version}.tgz`;
    return path.basename(chartPath) === expected ? undefined : `${chartPath} is not ${expected}, the archive helm pull writes for ${want}`;
  }
  if (!stat.isDirectory()) return `${chartPath} is neither a chart directory nor a .tgz archive`;
  let chartYaml: { name?: unknown; version?: unknown };
  try {
    chartYaml = (parse(fs.readFileSync(path.join(chartPath, "Chart.yaml"), "utf8")) ?? {}) as typeof chartYaml;
  } catch {
    return `${chartPath} has no readable Chart.yaml, so it is not a chart directory; ${addon} needs ${want}`;
  }
  if (chartYaml.name !== pinned.chart || String(chartYaml.version) !== pinned.version) {
    return `${chartPath} holds the ${String(chartYaml.name)} chart at version ${String(chartYaml.version)}; ${addon} needs ${want}`;
  }
  return undefined;
}

/** The problems of a stack's local charts, as config problems of `addonCharts`. */
export function localChartProblems(spec: Pick<PlatformSpec, "addonCharts">): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const raw = Object.entries(spec.addonCharts).map(([a, p]) => `${a}=${p}`).join(",");
  for (const [addon, chartPath] of Object.entries(spec.addonCharts) as [AddonName, string][]) {
    const problem = localChartProblem(addon, chartPath);
    if (problem) problems.push({ key: `${PROJECT}:addonCharts`, value: raw, allowed: problem });
  }
  return problems;
}

/** Throws the config error naming every bad local chart; nothing has been registered yet. */
export function assertLocalCharts(spec: Pick<PlatformSpec, "addonCharts">): void {
  const problems = localChartProblems(spec);
  if (problems.length > 0) throw new ConfigValidationError(problems);
}
