import * as pulumi from "@pulumi/pulumi";
import type { PlatformSpec } from "./config/spec";
import { assertDeployable } from "./sizing/deployable";
import type { Sizing } from "./sizing/types";
import { createPlatform } from "./components/platform";
import { MatrixStack } from "./components/matrix";
import { NetworkFlows } from "./components/k8s/network";
import { createBridges } from "./components/bridges/wiring";
import { PushGateway } from "./components/push";
import { MonitoringStack } from "./components/monitoring";
import { RtcStack } from "./components/rtc";
import { isDeployed } from "./catalog/components";
import { NAMESPACES } from "./catalog/namespaces";
import { synapseSelector } from "./components/matrix/synapse";
import { LawfulIntercept } from "./components/li";
import { imageRef } from "./catalog/images";

/** What a driver may read back after a run (the plan draws the flows as the architecture diagram). */
export interface ProgramObserver {
  flows?: NetworkFlows;
}

/**
 * The whole deployment from its two inputs: the validated spec and the sizing derived from it
 * (both made by the caller, before any resource exists) -> platform -> the in-cluster systems.
 */
export function program(spec: PlatformSpec, sizing: Sizing, seen: ProgramObserver = {}): Record<string, unknown> {
  // Refuse, before any resource exists, a switch for a system this version cannot deploy yet.
  assertDeployable(spec);
  // The stack's one flow registry: every component declares its flows and namespaces on it.
  const flows = new NetworkFlows();
  seen.flows = flows;
  // Cloud differences stop here: everything below consumes the Platform interface only.
  const platform = createPlatform("platform", spec, sizing, flows);
  // Sygnal before Synapse: Synapse's config whitelists its Service address for the pushers.
  const push = isDeployed("push", spec)
    ? new PushGateway("push", {
        push: spec.push, sizing: sizing.components.sygnal, imageRegistry: spec.imageRegistry, publicHost: spec.hosts.push, platform, flows,
        pushers: { namespace: NAMESPACES.matrix, podLabels: synapseSelector("pusher"), name: "synapse-pusher" },
      })
    : undefined;
  // Synapse (main + workers + HAProxy), Element, Ketesa, .well-known and their routes.
  const matrix = new MatrixStack("matrix", { spec, sizing, platform, flows, pushGatewayAddress: push?.address });
  // mautrix-telegram and mautrix-whatsapp, on the registrations the Matrix stack gave Synapse.
  createBridges("bridges", { spec, sizing, platform, matrix, flows });
  // MatrixRTC: LiveKit, lk-jwt-service, coturn (the TURN secret is the one Synapse signs with).
  if (isDeployed("rtc", spec) && matrix.turnSharedSecret) {
    new RtcStack("rtc", {
      serverName: spec.serverName, hosts: spec.hosts, media: spec.rtc, imageRegistry: spec.imageRegistry, flows, platform,
      sizing: { livekit: sizing.components.livekit, lkJwt: sizing.components.lkJwt, coturn: sizing.components.coturn },
      matrixNamespace: matrix.namespace.name, turnSharedSecret: matrix.turnSharedSecret,
    });
  }
  // The lawful-intercept instance: synapse-li, element-web-li, synapse-admin-li, in their own namespace.
  if (isDeployed("li", spec)) {
    new LawfulIntercept("li", {
      serverName: spec.serverName, hosts: spec.hosts, investigatorCidrs: spec.li.investigatorCidrs, imageRegistry: spec.imageRegistry,
      synapseImage: imageRef("synapse", spec.imageRegistry), // MERGE: project image synapse
      maxUploadBytes: spec.synapse.maxUploadBytes,
      sizing: { synapseLi: sizing.components.synapseLi, elementLi: sizing.components.elementLi, adminLi: sizing.components.adminLi },
      platform, flows,
    });
  }
  // Prometheus, Alertmanager, Grafana: scrapes what the registry says is deployed.
  if (isDeployed("monitoring", spec)) new MonitoringStack("monitoring", { spec, sizing, platform, flows });
  // Last, once every flow is declared: the NetworkPolicies (see NetworkFlows for why not sooner).
  flows.materialize({ providers: [platform.provider] });
  return {
    platform: spec.platform,
    environment: spec.environment,
    ccu: spec.ccu,
    serverName: spec.serverName,
    stack: pulumi.getStack(),
    storageClass: platform.storageClass,
    gateway: platform.gateway,
    signingKeyId: matrix.synapse.signingKeyId,
  };
}
