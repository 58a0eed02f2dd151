import * as pulumi from "@pulumi/pulumi";
import type { PlatformSpec } from "./config/spec";
import { assertDeployable } from "./sizing/deployable";
import type { Sizing } from "./sizing/types";
import { createPlatform, projectImage } from "./components/platform";
import { MatrixStack } from "./components/matrix";
import { NetworkFlows } from "./components/k8s/network";
import { createBridges } from "./components/bridges/wiring";
import { PushGateway } from "./components/push";
import { MonitoringStack } from "./components/monitoring";
import { RtcStack } from "./components/rtc";
import { isDeployed } from "./catalog/components";
import { NAMESPACES } from "./catalog/namespaces";
import { synapseSelector } from "./components/matrix/synapse";
import { KeyVault } from "./components/li/key-vault";
import { KeyVaultCredentials } from "./components/li/key-vault-credentials";
import { Antivirus } from "./components/antivirus";
import { imageRef } from "./catalog/images";
import { WORKER_TYPES } from "./catalog/workers";
import { LawfulIntercept } from "./components/li";
import { LiSyncWiring } from "./components/li/sync-wiring";

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
  // The key vault's token and the LI key pair before Synapse: its key-store module needs both.
  const keyVaultCredentials = isDeployed("keyVault", spec) ? new KeyVaultCredentials("key-vault-credentials") : undefined;
  // Synapse (main + workers + HAProxy), Element, Ketesa, .well-known and their routes.
  const matrix = new MatrixStack("matrix", {
    spec, sizing, platform, flows, pushGatewayAddress: push?.address,
    keyVault: keyVaultCredentials && { serviceToken: keyVaultCredentials.serviceToken, publicKeyPem: keyVaultCredentials.publicKeyPem },
  });
  // key_vault, in Synapse's namespace; only main calls it (HAProxy routes /_synapse/client/ there).
  if (keyVaultCredentials) {
    new KeyVault("key-vault", {
      image: projectImage(platform, "keyVault"),
      namespace: matrix.namespace.name, namespaceName: NAMESPACES.matrix, sizing: sizing.components.keyVault,
      database: platform.databases.keyVault!, credentials: keyVaultCredentials, platform, flows,
      callers: { namespace: NAMESPACES.matrix, podLabels: synapseSelector("main"), name: "synapse-main" },
    });
  }
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
  // ClamAV and the scan workers Synapse's media module streams every stored file to.
  if (isDeployed("antivirus", spec) && matrix.scanWorkerToken) {
    new Antivirus("antivirus", {
      namespace: NAMESPACES.antivirus, antivirus: spec.antivirus, maxUploadBytes: spec.synapse.maxUploadBytes,
      sizing: { clamav: sizing.components.clamav, scanWorker: sizing.components.scanWorker },
      clamavImage: imageRef("clamav", spec.imageRegistry),
      scanWorkerImage: projectImage(platform, "scanWorker"),
      // clamd's metrics come from an exporter in the scan worker image, beside each clamd.
      ...(isDeployed("monitoring", spec) ? { clamdExporterImage: projectImage(platform, "scanWorker") } : {}),
      scanToken: matrix.scanWorkerToken, platform, flows,
      // The processes that store media load the scan module: main and the media workers.
      mediaPods: [
        { namespace: NAMESPACES.matrix, podLabels: synapseSelector("main"), name: "synapse-main" },
        ...WORKER_TYPES.filter((t) => t.mediaRepository).map((t) => ({ namespace: NAMESPACES.matrix, podLabels: synapseSelector(t.name), name: `synapse-${t.name}` })),
      ],
    });
  }
  // The lawful-intercept instance: synapse-li, element-web-li, synapse-admin-li, in their own namespace.
  if (isDeployed("li", spec)) {
    const li = new LawfulIntercept("li", {
      serverName: spec.serverName, hosts: spec.hosts, investigatorCidrs: spec.li.investigatorCidrs, imageRegistry: spec.imageRegistry,
      synapseImage: projectImage(platform, "synapse"),
      maxUploadBytes: spec.synapse.maxUploadBytes,
      sizing: { synapseLi: sizing.components.synapseLi, elementLi: sizing.components.elementLi, adminLi: sizing.components.adminLi },
      platform, flows,
    });
    // The sync that feeds synapse-li's database from main without losing what main deletes.
    new LiSyncWiring("li-sync", {
      platform, flows, sizing: sizing.components.liSync,
      namespaces: { li: li.namespace.name, liName: NAMESPACES.li, main: matrix.namespace.name, mainName: NAMESPACES.matrix },
      image: projectImage(platform, "liSync"),
      // Its exporter only where something scrapes it.
      ...(isDeployed("monitoring", spec) ? { exporterImage: imageRef("postgresExporter", spec.imageRegistry) } : {}),
      dependsOn: [li.namespace, matrix.namespace, li.synapse],
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
    // For the LI officers: the private key decrypts the stored payloads; it exists nowhere in the cluster.
    ...(keyVaultCredentials ? { liKeyVaultPublicKeyPem: keyVaultCredentials.publicKeyPem, liKeyVaultPrivateKeyPem: keyVaultCredentials.privateKeyPem } : {}),
  };
}
