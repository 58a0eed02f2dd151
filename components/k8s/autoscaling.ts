/**
 * The HorizontalPodAutoscaler spec every autoscaled Deployment gets: sizing's bounds and CPU
 * target (WorkloadSizing.autoscaling), nothing else. Sizing decides, the HPA obeys.
 */
import type * as k8s from "@pulumi/kubernetes";
import type { WorkloadSizing } from "../../sizing/types";

export function cpuAutoscalerSpec(deployment: string, scaling: NonNullable<WorkloadSizing["autoscaling"]>): k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec {
  return {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment },
    minReplicas: scaling.minReplicas,
    maxReplicas: scaling.maxReplicas,
    metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: scaling.targetCpuUtilizationPercent } } }],
  };
}
