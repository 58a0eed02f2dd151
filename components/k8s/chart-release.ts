import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { addonOfChart, type AddonName } from "../../catalog/addons";
import { chartSource, type ChartName } from "../../catalog/charts";

export interface ChartReleaseArgs {
  /** Helm release name in the cluster. */
  releaseName: string;
  /** One of the pinned charts of catalog/charts.ts. */
  chart: ChartName;
  /** The stack's `chartRepository` override (an OCI mirror); absent = the chart's own repository. */
  chartRepository?: string;
  /** The stack's `addonCharts`: local chart paths, by add-on, that replace any repository. Default: none. */
  localCharts?: Partial<Record<AddonName, string>>;
  /** Namespace the release installs into. */
  namespace: pulumi.Input<string>;
  /** The chart's values. */
  values: pulumi.Input<Record<string, unknown>>;
}

/**
 * A Helm release of a pinned chart, installed the one way the stack installs charts: from the
 * pinned version (through the repository override), rolled back on a failed upgrade instead of
 * leaving a half-applied release behind, given 15 minutes, five revisions kept.
 */
export function chartRelease(resourceName: string, a: ChartReleaseArgs, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
  const src = chartSource(a.chart, a.chartRepository, a.localCharts?.[addonOfChart(a.chart)]);
  return new k8s.helm.v3.Release(resourceName, {
    name: a.releaseName,
    chart: src.chart,
    version: src.version,
    repositoryOpts: src.repo ? { repo: src.repo } : undefined,
    namespace: a.namespace,
    values: a.values,
    atomic: true,
    cleanupOnFail: true,
    timeout: 900,
    maxHistory: 5,
  }, opts);
}
