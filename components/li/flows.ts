/**
 * The LI instance's network flows (pure). The LI namespace's default-deny holds everything else:
 * nothing in main has a flow into LI, and LI's pods reach only their own database, the object
 * store (LI's bucket: its credentials and policy name no other) and cluster DNS. The sync's flows
 * (main's database or snapshots -> the LI database) are declared by the sync component.
 */
import type { NetworkPeer } from "../contracts";
import { EDGE_PODS, type FlowSpec, type Workload } from "../k8s/network";
import { STATIC_SITE_PORT } from "../../render/wellknown";
import { LI_SYNAPSE_PORTS } from "../../render/li";
import { LI_WEB, SYNAPSE_LI, liSelector } from "./names";

export interface LiWorkloads {
  synapse: Workload;
  element: Workload;
  admin: Workload;
}

export function liWorkloads(namespace: string): LiWorkloads {
  const w = (name: string): Workload => ({ namespace, podLabels: liSelector(name), name });
  return { synapse: w(SYNAPSE_LI), element: w(LI_WEB.element), admin: w(LI_WEB.admin) };
}

export function liFlows(w: LiWorkloads, data: { database: NetworkPeer; objectStore: NetworkPeer }): FlowSpec[] {
  return [
    { from: EDGE_PODS, to: w.synapse, ports: [LI_SYNAPSE_PORTS.http], description: "Gateway -> synapse-li (client and admin API, investigators' ranges only)" },
    { from: EDGE_PODS, to: w.element, ports: [STATIC_SITE_PORT], description: "Gateway -> element-web-li" },
    { from: EDGE_PODS, to: w.admin, ports: [STATIC_SITE_PORT], description: "Gateway -> synapse-admin-li (Ketesa)" },
    { from: w.synapse, to: data.database, description: "synapse-li -> the LI PostgreSQL" },
    { from: w.synapse, to: data.objectStore, description: "synapse-li -> LI's media bucket (read-through)" },
  ];
}
