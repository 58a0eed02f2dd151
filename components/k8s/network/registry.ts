/**
 * The Pulumi shell: the stack's flow registry (`NetworkFlows`) and the component that registers
 * a set of policies (`FlowPolicies`). All the deciding is in the pure modules beside this one.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { describeEnd, normalizeFlow, type FlowSpec } from "./flows";
import type { NetworkPolicyManifest, PolicyPeer } from "./manifest";
import { PROMETHEUS_PODS, type Workload } from "./peers";
import { networkPoliciesFor, plainIpBlocks, type GenerateOptions, type IpBlockRenderer } from "./policies";

/** Renders ipBlocks inside an Output when the CIDRs are not known yet (VPC ranges, endpoints). */
const outputIpBlocks: IpBlockRenderer = (cidrs, except) =>
  Array.isArray(cidrs) && cidrs.every((c) => typeof c === "string")
    ? plainIpBlocks(cidrs, except)
    : pulumi.output(cidrs).apply((cs) => plainIpBlocks(cs, except) as PolicyPeer[]);

const POLICY_LABELS = {
  "app.kubernetes.io/instance": "main",
  "app.kubernetes.io/part-of": "matrix-platform",
  "app.kubernetes.io/managed-by": "pulumi",
};

/** Policy name prefix of flows declared without one. */
const DEFAULT_PREFIX = "allow";

export interface DeclareOptions {
  /**
   * Prefix of the names of the policies these flows write (the declaring component: "matrix",
   * "addons", "data"), so two components never collide on a policy name. Flows that share a
   * prefix are generated together: those meeting at one workload share its policy. Default "allow".
   */
  namePrefix?: string;
  /**
   * Where the prefix's FlowPolicies sits in the resource tree: the declaring component, so its
   * policies keep the URNs they had when the component wrote them itself. Default: the stack.
   */
  parent?: pulumi.Resource;
  /** Resource name of the prefix's FlowPolicies (with `parent`, to keep URNs). Default `<prefix>-flows`. */
  resourceName?: string;
}

/**
 * The stack's flow registry. program.ts creates one and hands it to every component; components
 * declare their flows on it (`allow`, `scrape`) and register the namespaces they create
 * (StackNamespace's `flows` argument); program.ts calls `materialize` once, last.
 *
 * Why one materialisation at the end rather than a policy per `allow`: (1) the generator writes
 * one policy per workload, side and prefix with a rule per flow (Synapse's ingress holds HAProxy's
 * traffic, replication and Prometheus's scrape), so a policy can only be written whole, under a
 * name that depends on the workload and not on the order of declaration, once its flows are all
 * known; (2) whether a flow's end lies in a namespace the stack creates is known only once every
 * component has created its namespaces (the monitoring component creates `monitoring` after the
 * Matrix stack has declared its scrapes). A flow declared after `materialize` would silently
 * never become a policy, so that throws.
 *
 * Policies are written only into namespaces the stack creates (those registered here). A flow's
 * end in any other namespace is not the stack's to isolate: a policy selecting kube-system's DNS
 * pods would cut them off from the rest of the cluster, and the monitoring namespace exists only
 * once monitoring is deployed (applying a policy into a missing namespace fails). The end that
 * is the stack's still gets its policy (the scraped pod admits Prometheus), and a namespace
 * without policies isolates nothing, so the flow stays open.
 */
export class NetworkFlows {
  private readonly declared = new Map<string, FlowSpec[]>();
  /** Where each prefix's FlowPolicies goes, as its declarers said. */
  private readonly homes = new Map<string, Pick<DeclareOptions, "parent" | "resourceName">>();
  private readonly owned = new Map<string, pulumi.Resource>();
  private done = false;

  /** Allows one flow (egress on the sender, ingress on the receiver). Returns `this` for chaining. */
  allow(flow: FlowSpec, options: DeclareOptions = {}): this {
    if (this.done) throw new Error(`flow ${flow.description ?? describeEnd(flow.from)} declared after the registry's policies were materialized: it would never be applied`);
    normalizeFlow(flow); // fail at the declaration site, not at materialize time
    const prefix = options.namePrefix ?? DEFAULT_PREFIX;
    const home = { ...(this.homes.get(prefix) ?? {}) };
    for (const key of ["parent", "resourceName"] as const) {
      const value = options[key];
      if (value === undefined) continue;
      if (home[key] !== undefined && home[key] !== value) throw new Error(`flows with name prefix "${prefix}" declared with two different ${key}s: one prefix is one component's`);
      (home as Record<string, unknown>)[key] = value;
    }
    this.homes.set(prefix, home);
    this.declared.set(prefix, [...(this.declared.get(prefix) ?? []), flow]);
    return this;
  }

  /** Allows every flow of a list, under one name prefix. */
  allowAll(flows: readonly FlowSpec[], options: DeclareOptions = {}): this {
    for (const f of flows) this.allow(f, options);
    return this;
  }

  /** Lets Prometheus scrape `target` on its metrics port(s). */
  scrape(target: Workload, ports: number[], options: DeclareOptions = {}): this {
    return this.allow({ from: PROMETHEUS_PODS, to: target, ports, description: `metrics scrape of ${describeEnd(target)}` }, options);
  }

  /**
   * Records that the stack creates namespace `name`: policies are written into it, and each
   * depends on `resource` (the StackNamespace, so it waits for the Namespace). StackNamespace
   * calls this when given the registry.
   */
  addNamespace(name: string, resource: pulumi.Resource): this {
    if (this.owned.has(name)) throw new Error(`namespace ${name} registered twice with the flow registry`);
    this.owned.set(name, resource);
    return this;
  }

  /** The namespaces the stack creates, as registered so far (sorted). */
  get namespaces(): string[] {
    return [...this.owned.keys()].sort();
  }

  /** Every flow declared so far. */
  get flows(): readonly FlowSpec[] {
    return [...this.declared.values()].flat();
  }

  /** The policies `materialize` registers: those in namespaces the stack creates (for tests and the plan). */
  policies(options: Omit<GenerateOptions, "namePrefix"> = {}): NetworkPolicyManifest[] {
    return this.generate(options).filter((p) => this.owned.has(p.metadata.namespace));
  }

  /** The policies left out because their namespace is not the stack's (see the class comment). */
  foreignPolicies(options: Omit<GenerateOptions, "namePrefix"> = {}): NetworkPolicyManifest[] {
    return this.generate(options).filter((p) => !this.owned.has(p.metadata.namespace));
  }

  /**
   * Registers the policies of every declared flow, one FlowPolicies per name prefix that has any
   * (`<prefix>-flows` or its `resourceName`, under its `parent`), each depending on its namespace. Call
   * once, after every component has declared its flows; `opts` carries the Kubernetes provider.
   */
  materialize(opts: pulumi.ComponentResourceOptions = {}): FlowPolicies[] {
    if (this.done) throw new Error("the flow registry's policies were already materialized");
    this.done = true;
    return [...this.declared.keys()].sort().flatMap((prefix) => {
      const policies = networkPoliciesFor(this.declared.get(prefix)!, { ipBlocks: outputIpBlocks, labels: POLICY_LABELS, namePrefix: prefix })
        .filter((p) => this.owned.has(p.metadata.namespace));
      const home = this.homes.get(prefix) ?? {};
      const resourceOpts = { ...opts, ...(home.parent ? { parent: home.parent } : {}) };
      return policies.length ? [new FlowPolicies(home.resourceName ?? `${prefix}-flows`, { policies, namespaces: this.owned }, resourceOpts)] : [];
    });
  }

  private generate(options: Omit<GenerateOptions, "namePrefix">): NetworkPolicyManifest[] {
    return [...this.declared.entries()].flatMap(([prefix, flows]) =>
      networkPoliciesFor(flows, { ipBlocks: outputIpBlocks, labels: POLICY_LABELS, ...options, namePrefix: prefix }));
  }
}

export interface FlowPoliciesArgs {
  /** Flows to allow (the usual way), or ready policies from `NetworkFlows.policies()`. */
  flows?: FlowSpec[];
  /** Ready NetworkPolicy manifests, created as they are alongside those generated from `flows`. */
  policies?: NetworkPolicyManifest[];
  /** Policy name prefix; defaults to the component name. */
  namePrefix?: string;
  /**
   * The resources that create the policies' namespaces, by name: each policy depends on its
   * own. Without it the policies rely on the component's `dependsOn`.
   */
  namespaces?: ReadonlyMap<string, pulumi.Resource>;
}

/**
 * NetworkPolicies for a set of flows, as Pulumi resources. A component that creates workloads
 * without the stack's registry declares its flows and creates one of these as its child:
 *
 *   new FlowPolicies("synapse-flows", { flows: [
 *     { from: EDGE_PODS, to: haproxyPods, ports: [8008] },
 *     { from: synapsePods, to: platform.databases.synapse.network },
 *   ] }, { parent: this });
 *
 * Policy names start with the component name, so two components never collide.
 */
export class FlowPolicies extends pulumi.ComponentResource {
  readonly policies: k8s.networking.v1.NetworkPolicy[];

  constructor(name: string, args: FlowPoliciesArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("matrix-platform:k8s:FlowPolicies", name, {}, opts);
    const generated = args.flows?.length
      ? networkPoliciesFor(args.flows, { ipBlocks: outputIpBlocks, labels: POLICY_LABELS, namePrefix: args.namePrefix ?? name })
      : [];
    this.policies = [...(args.policies ?? []), ...generated].map((p) => {
      const namespace = args.namespaces?.get(p.metadata.namespace);
      return new k8s.networking.v1.NetworkPolicy(
        `${p.metadata.namespace}-${p.metadata.name}`,
        { metadata: p.metadata, spec: p.spec as unknown as k8s.types.input.networking.v1.NetworkPolicySpec },
        { parent: this, ...(namespace ? { dependsOn: [namespace] } : {}) },
      );
    });
    this.registerOutputs({ count: this.policies.length });
  }
}
