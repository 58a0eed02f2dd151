/**
 * LiSyncWiring: the LI sync as the program deploys it (`li: true`). It takes what the platform
 * provides for the sync (`Platform.liSync`: main's primary and read endpoint, the sync's
 * replication login on main; components/contracts.ts LiSyncAccess) and the two databases'
 * owners, writes the three logins the sync's pods read into Secrets (two in LI's namespace, the
 * owner of Synapse's tables in main's, where only the publisher Job reads it), and creates LiSync.
 * Nothing here asks which cloud it runs on.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { WorkloadSizing } from "../../sizing/types";
import type { DatabaseConnection, LiSyncAccess, Platform } from "../contracts";
import { standardLabels } from "../k8s/labels";
import type { NetworkFlows } from "../k8s/network";
import { SYNAPSE_LI } from "./names";
import { LiSync, LI_SYNC_NAME, LI_SYNC_PUBLISHER_NAME, type LiSyncArgs, type LoginSecret } from "./sync";

/** Names of the Secrets the wiring writes (keys `username` and `password`, as CloudNativePG's basic-auth Secrets). */
export const LI_SYNC_SECRETS = {
  /** LI's namespace: the sync's login on main. */
  main: `${LI_SYNC_NAME}-main`,
  /** LI's namespace: the owner of synapse-li's database on LI's server. */
  li: `${LI_SYNC_NAME}-li`,
  /** Main's namespace: the owner of Synapse's tables, for the publisher Job. */
  publisher: LI_SYNC_PUBLISHER_NAME,
} as const;

export interface LiSyncWiringArgs {
  /** The platform: `liSync`, the `synapse` and `synapseLi` databases, placement, kubeApi, provider. */
  platform: Pick<Platform, "liSync" | "databases" | "placement" | "kubeApi" | "provider" | "crdProviders">;
  /** LI's namespace (created by the LI instance) and main's (created by the Matrix stack). */
  namespaces: { li: pulumi.Input<string>; liName: string; main: pulumi.Input<string>; mainName: string };
  /** The project's li-sync image (images/li-sync). */
  image: pulumi.Input<string>;
  /** postgres_exporter's image, only while monitoring is deployed. */
  exporterImage?: pulumi.Input<string>;
  /** `sizing.components.liSync`. */
  sizing: WorkloadSizing;
  flows: NetworkFlows;
  /** What must exist first: both namespaces and synapse-li's Deployment. */
  dependsOn: pulumi.Resource[];
}

/** LiSync's database arguments from the platform's (pure): endpoints and how each is verified as values, logins by Secret name. */
export function liSyncDatabaseArgs(access: LiSyncAccess, main: DatabaseConnection, li: DatabaseConnection, mainNamespace: string): Pick<LiSyncArgs, "main" | "publisher" | "li"> {
  const login = (name: string): LoginSecret => ({ name, userKey: "username", passwordKey: "password" });
  return {
    main: {
      readHost: access.main.readHost,
      primaryHost: access.main.primaryHost,
      port: access.main.port,
      database: main.database,
      readTrust: access.main.readTrust,
      primaryTrust: access.main.primaryTrust,
      subscriptionTls: access.main.subscriptionTls,
      credentials: login(LI_SYNC_SECRETS.main),
      replicaNetwork: access.main.readNetwork,
    },
    publisher: {
      namespace: mainNamespace,
      owner: login(LI_SYNC_SECRETS.publisher),
      primaryNetwork: access.main.primaryNetwork,
      readerRole: access.login.user,
      grantReplication: access.login.replicationGrantedBy === "tablesOwner",
    },
    li: {
      host: li.host,
      port: li.port,
      database: li.database,
      trust: { sslMode: li.sslMode, caIssuer: li.caIssuer, caCertificate: li.caCertificate },
      credentials: login(LI_SYNC_SECRETS.li),
      network: li.network,
    },
  };
}

export class LiSyncWiring extends pulumi.ComponentResource {
  readonly sync: LiSync;

  constructor(name: string, args: LiSyncWiringArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("matrix-platform:li:LiSyncWiring", name, {}, opts);
    const { platform } = args;
    const access = platform.liSync;
    const main = platform.databases.synapse;
    const li = platform.databases.synapseLi;
    if (!access || !li) throw new Error("the platform provides no LI sync access or LI database: it was created without LI deployed");
    const child = { parent: this, provider: platform.provider, dependsOn: args.dependsOn };

    const secret = (key: keyof typeof LI_SYNC_SECRETS, namespace: pulumi.Input<string>, user: pulumi.Input<string>, password: pulumi.Output<string>) =>
      new k8s.core.v1.Secret(`${name}-${key}-login`, {
        metadata: { name: LI_SYNC_SECRETS[key], namespace, labels: standardLabels(LI_SYNC_SECRETS[key], "li-sync") },
        type: "kubernetes.io/basic-auth",
        stringData: { username: user, password: pulumi.secret(password) },
      }, child);
    const secrets = [
      secret("main", args.namespaces.li, access.login.user, access.login.password),
      secret("li", args.namespaces.li, li.user, li.password),
      secret("publisher", args.namespaces.main, main.user, main.password),
    ];

    const databases = liSyncDatabaseArgs(access, main, li, args.namespaces.mainName);
    this.sync = new LiSync(`${name}-sync`, {
      namespace: args.namespaces.liName,
      image: args.image,
      ...(args.exporterImage ? { exporterImage: args.exporterImage } : {}),
      sizing: args.sizing,
      placement: platform.placement(args.sizing.tier),
      ...databases,
      synapseLi: { kind: "deployments", name: SYNAPSE_LI },
      kubeApi: platform.kubeApi,
      flows: args.flows,
      provider: platform.provider,
      crds: platform.crdProviders,
      dependsOn: [...args.dependsOn, ...access.ready, ...secrets],
    }, { parent: this });
    this.registerOutputs({ refreshCronJob: this.sync.refreshCronJob });
  }
}
