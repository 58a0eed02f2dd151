/**
 * Cuts spec, sizing, the Platform and the Matrix stack's outputs into MautrixBridges' narrow args
 * (program.ts calls this). Only deployed bridges are passed; with none, nothing is created.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { PlatformSpec } from "../../config/spec";
import type { Sizing } from "../../sizing/types";
import type { AppserviceInput, BridgeName } from "../../render/synapse";
import type { NetworkFlows, Workload } from "../k8s/network";
import type { Platform } from "../contracts";
import { NAMESPACES } from "../../catalog/namespaces";
import { MautrixBridges, type BridgeInput } from "./index";

/** What the bridges take from the Matrix stack (MatrixStack has these fields). */
export interface MatrixSide {
  /** Registration inputs of the deployed bridges, as Synapse loads them (secret). */
  bridges: Partial<Record<BridgeName, { appservice: pulumi.Output<AppserviceInput> }>>;
  /** as_token of the double-puppeting registration (secret). */
  doublePuppetToken?: pulumi.Output<string>;
  /** The Matrix namespace (resolved once it exists). */
  namespace: { name: pulumi.Output<string> };
  /** The client API as in-cluster programs reach it. */
  clientUrl: string;
  /** The Synapse process that pushes transactions and pings. */
  appserviceSender: Workload;
  /** HAProxy's pods and client port. */
  clientEntry: { workload: Workload; port: number };
}

export interface CreateBridgesArgs {
  spec: PlatformSpec;
  sizing: Sizing;
  platform: Platform;
  /** The Matrix stack: registrations, double-puppet token, namespace, client URL. */
  matrix: MatrixSide;
  flows?: NetworkFlows;
}

export function createBridges(name: string, args: CreateBridgesArgs, opts: pulumi.ComponentResourceOptions = {}): MautrixBridges | undefined {
  const { spec, sizing, platform, matrix } = args;
  const bridges: Partial<Record<BridgeName, BridgeInput>> = {};
  for (const b of ["telegram", "whatsapp"] as const) {
    const reg = matrix.bridges[b];
    const database = platform.databases[b];
    if (!spec.bridges[b].enabled) continue;
    if (!reg || !database) throw new Error(`bridge ${b} is deployed but the ${!reg ? "Matrix stack registered no appservice" : "platform created no database"} for it`);
    bridges[b] = { spec: spec.bridges[b], sizing: sizing.components[b], appservice: reg.appservice, database };
  }
  if (Object.keys(bridges).length === 0) return undefined;
  return new MautrixBridges(name, {
    bridges,
    permissions: spec.bridges.permissions,
    homeserverUrl: matrix.clientUrl,
    doublePuppetToken: matrix.doublePuppetToken!,
    namespaceName: NAMESPACES.matrix,
    namespace: matrix.namespace.name,
    placement: platform.placement("bridge"),
    imageRegistry: spec.imageRegistry,
    appserviceSender: matrix.appserviceSender,
    clientEntry: matrix.clientEntry,
    provider: platform.provider,
    crds: platform.crdProviders,
    flows: args.flows,
  }, opts);
}
