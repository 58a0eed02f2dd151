import * as fs from "fs";
import * as path from "path";
import { ADDONS } from "../../catalog/addons";
import { CHARTS } from "../../catalog/charts";
import { installedAddons, type AddonName } from "../../config/addon-chart-keys";
import type { PlatformKind } from "../../config/keys";

/**
 * Local stand-ins for the add-ons' charts, for `addonCharts`: the chart repositories are not
 * reachable here, and the operators' images could not run on simulated nodes anyway. Each
 * stand-in is a chart directory with the pinned name and version (what the program checks before
 * any resource) and no templates, so its Helm release is real — created, recorded, awaited and
 * deleted by the engine — while the operators' CRDs come from their Go modules (control-plane.ts).
 * What the operators would do with the custom resources (CloudNativePG's pods, cert-manager's
 * certificates) is not simulated.
 */
export function writeStandInCharts(dir: string, platform: PlatformKind, monitoring: boolean): Partial<Record<AddonName, string>> {
  const out: Partial<Record<AddonName, string>> = {};
  for (const addon of installedAddons(platform, monitoring)) {
    const pinned = CHARTS[ADDONS[addon].chart];
    const chartDir = path.join(dir, `${pinned.chart}-${pinned.version}`);
    fs.mkdirSync(path.join(chartDir, "templates"), { recursive: true });
    fs.writeFileSync(
      path.join(chartDir, "Chart.yaml"),
      `apiVersion: v2\nname: ${pinned.chart}\nversion: ${pinned.version}\ndescription: Stand-in for ${addon} in the real-engine test (no templates; its CRDs are applied beforehand)\ntype: application\n`,
    );
    out[addon] = chartDir;
  }
  return out;
}

/** `addonCharts` config: `add-on=path` pairs. */
export function addonChartsValue(charts: Partial<Record<AddonName, string>>): string {
  return Object.entries(charts).map(([a, p]) => `${a}=${p}`).join(",");
}
