/**
 * LawfulIntercept: the LI instance in its own namespace — synapse-li on the LI database and LI's
 * media bucket, element-web-li and synapse-admin-li (Ketesa), their routes on the shared Gateway
 * admitted only from the investigators' source ranges, and the network flows that keep it apart
 * from main. The sync that feeds the LI database from main is its own component (./sync*).
 * Consumes only `Platform`, so it is the same on every cloud.
 */
import * as pulumi from "@pulumi/pulumi";
import { NAMESPACES } from "../../catalog/namespaces";
import type { Hosts } from "../../config/spec";
import { renderLiElementConfig, renderLiKetesaConfig } from "../../render/li";
import type { WorkloadSizing } from "../../sizing/types";
import type { Platform } from "../contracts";
import { standardLabels } from "../k8s/labels";
import { StackNamespace } from "../k8s/namespace";
import { FlowPolicies, type NetworkFlows } from "../k8s/network";
import { elementApp, ketesaApp, staticAppWorkload } from "../k8s/static-site";
import { liFlows, liWorkloads, type LiWorkloads } from "./flows";
import { LI_INSTANCE, LI_WEB } from "./names";
import { liInvestigatorPolicy, liRoutes } from "./routes";
import { SynapseLi } from "./synapse";
import { customResource } from "../k8s/custom-resource";

export { SynapseLi } from "./synapse";
export { liFlows, liWorkloads } from "./flows";
export { liInvestigatorPolicy, liRoutes } from "./routes";
export { LI_INSTANCE, LI_WEB, SYNAPSE_LI } from "./names";

export interface LawfulInterceptArgs {
  /** The main homeserver's server name (synapse-li serves the same one). */
  serverName: string;
  /** The LI hosts (liMatrix, liElement, liAdmin). */
  hosts: Pick<Hosts, "liMatrix" | "liElement" | "liAdmin">;
  /** Client CIDRs the LI routes admit (config `liInvestigatorCidrs`). */
  investigatorCidrs: readonly string[];
  /** Synapse image: the project's Synapse image reference, as main runs. */
  synapseImage: pulumi.Input<string>;
  /** Registry override of the web front-ends' images (air-gapped sites). */
  imageRegistry?: string;
  /** Main's max_upload_size in bytes (synapse-li serves every file main accepted). */
  maxUploadBytes: number;
  /** Sizing of synapseLi, elementLi and adminLi (the registry's `li` workloads). */
  sizing: { synapseLi: WorkloadSizing; elementLi: WorkloadSizing; adminLi: WorkloadSizing };
  /** The platform: the LI database, the object store with LI's bucket, the Gateway, placement, the provider. */
  platform: Platform;
  /**
   * The stack's flow registry: the LI namespace and flows are declared on it. Without one (a
   * component test) the component writes its own FlowPolicies for the same flows.
   */
  flows?: NetworkFlows;
}

export class LawfulIntercept extends pulumi.ComponentResource {
  readonly namespace: StackNamespace;
  readonly synapse: SynapseLi;
  /** The LI pods, for the sync component's flows (it writes into the LI database synapse-li reads). */
  readonly workloads: LiWorkloads;

  constructor(name: string, args: LawfulInterceptArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("matrix-platform:li:LawfulIntercept", name, {}, opts);
    const { platform } = args;
    const nsName = NAMESPACES.li;
    const database = platform.databases.synapseLi;
    const mediaBucket = platform.objectStore.buckets.liMedia;
    if (!database || !mediaBucket) throw new Error("the platform has no LI database or LI media bucket: it was created without LI deployed");
    const child = { parent: this, provider: platform.provider };

    this.namespace = new StackNamespace(`${name}-namespace`, { name: nsName, component: "li", flows: args.flows }, { parent: this, providers: [platform.provider], dependsOn: platform.ready });
    const ns = this.namespace.name;
    this.workloads = liWorkloads(nsName);

    this.synapse = new SynapseLi(`${name}-synapse`, {
      image: args.synapseImage,
      serverName: args.serverName,
      publicHost: args.hosts.liMatrix,
      maxUploadBytes: args.maxUploadBytes,
      namespace: ns,
      crds: platform.crdProviders,
      database,
      objectStore: platform.objectStore,
      mediaBucket,
      sizing: args.sizing.synapseLi,
      placement: platform.placement(args.sizing.synapseLi.tier),
      provider: platform.provider,
    }, { parent: this });

    const json = (o: unknown) => JSON.stringify(o, null, 2) + "\n";
    const element = renderLiElementConfig({ serverName: args.serverName, homeserverUrl: `https://${args.hosts.liMatrix}`, elementUrl: `https://${args.hosts.liElement}` });
    const ketesa = renderLiKetesaConfig({ adminUrl: `https://${args.hosts.liAdmin}`, serverName: args.serverName });
    const where = { namespace: ns, platform, imageRegistry: args.imageRegistry };
    staticAppWorkload(this, `${name}-${LI_WEB.element}`, { ...elementApp(LI_WEB.element, json(element), args.sizing.elementLi), instance: LI_INSTANCE }, where);
    staticAppWorkload(this, `${name}-${LI_WEB.admin}`, { ...ketesaApp(LI_WEB.admin, json(ketesa), args.sizing.adminLi), instance: LI_INSTANCE }, where);

    // The investigators' ranges first, the routes after it: no LI route is ever served unguarded.
    const routes = liRoutes(args.hosts, platform.gateway, nsName);
    const guard = customResource(`${name}-investigators`, {
      apiVersion: "gateway.envoyproxy.io/v1alpha1",
      kind: "SecurityPolicy",
      metadata: { name: "li-investigators", namespace: ns, labels: standardLabels("li-investigators", "edge-policy", LI_INSTANCE) },
      spec: liInvestigatorPolicy(routes.map((r) => r.name), args.investigatorCidrs),
    }, child, platform.crdProviders);
    for (const route of routes) {
      customResource(`${name}-route-${route.name}`, {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name: route.name, namespace: ns, labels: standardLabels(route.name, "route", LI_INSTANCE) },
        spec: route.spec,
      }, { ...child, dependsOn: [guard] }, platform.crdProviders);
    }

    const flows = liFlows(this.workloads, { database: database.network, objectStore: platform.objectStore.network });
    if (args.flows) args.flows.allowAll(flows, { namePrefix: "li", parent: this, resourceName: `${name}-flows` });
    else new FlowPolicies(`${name}-flows`, { flows, namePrefix: "li" }, { parent: this, providers: [platform.provider], dependsOn: [this.namespace] });

    this.registerOutputs({ namespace: ns });
  }
}
