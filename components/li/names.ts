/** Object names and the label instance of the LI workloads (one place: routes, flows and workloads use them). */
import { selectorLabels } from "../k8s/labels";

/** `app.kubernetes.io/instance` of every LI object, so no selector ever matches one of main's pods. */
export const LI_INSTANCE = "li";
/** synapse-li's Deployment, Service and ServiceAccount (the platform's object-store client name). */
export const SYNAPSE_LI = "synapse-li";
/** LI's web front-ends. */
export const LI_WEB = { element: "element-web-li", admin: "ketesa-li" } as const;

export function liSelector(name: string): Record<string, string> {
  return selectorLabels(name, LI_INSTANCE);
}
