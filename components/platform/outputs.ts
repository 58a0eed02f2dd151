/**
 * The Platform fields every platform fills the same way, built once here: the database record
 * (one connection per consumer, on the main or the LI server), the gateway and issuer of the
 * cluster add-ons, and the list of resources the stack waits for. The platforms differ only in
 * the servers and resources they hand in.
 */
import * as pulumi from "@pulumi/pulumi";
import { DATABASES, DATABASE_SPECS, type DatabaseConnection, type DatabaseName, type NetworkPeer, type Platform, type PlatformDatabases } from "../contracts";

/** One consumer's database and role on a server. */
export interface DatabaseCredentials {
  /** Database name. */
  database: string;
  /** Owning role. */
  user: pulumi.Input<string>;
  /** The role's password (secret output). */
  password: pulumi.Output<string>;
}

/** A PostgreSQL server (managed instance or in-cluster cluster) as its clients see it. */
export interface DatabaseServer {
  /** Read-write endpoint. */
  host: pulumi.Output<string>;
  port: pulumi.Output<number>;
  /** Read-only endpoint; absent when the server has no replica to read from. */
  readHost?: pulumi.Output<string>;
  /** max_connections the server is configured with (sizing's connection budget). */
  maxConnections: number;
  /** Where the server sits, for the clients' network flows. */
  network: NetworkPeer;
  /**
   * The server's CA as a PEM the platform hands over (Cloud SQL's `serverCaCerts`, the region's
   * Amazon RDS roots): every consumer verifies against it, with verify-full where the certificate
   * names `host` (`certificateNamesHost`: RDS) and verify-ca where it does not (Cloud SQL's names
   * the instance, not the private address clients dial).
   */
  serverCaCertificate?: pulumi.Output<string>;
  certificateNamesHost?: boolean;
  /** Credentials of every database this server holds. */
  credentials: Partial<Record<DatabaseName, DatabaseCredentials>>;
  /**
   * ClusterIssuer of the private CA that signs the server's certificate (the internal CA for
   * CloudNativePG, whose certificate names the Services): every consumer connects with verify-full.
   */
  privateCaIssuer?: string;
}

/**
 * How a client verifies a server (pure): verify-full against the internal CA's issuer, verify-full
 * or verify-ca against a PEM the platform hands over, or the platform's sslMode where the server
 * names no CA (encrypted, unverified: RDS in a region the pinned roots lack).
 */
export function serverTrust(server: Pick<DatabaseServer, "privateCaIssuer" | "serverCaCertificate" | "certificateNamesHost">, sslMode: DatabaseConnection["sslMode"]): Pick<DatabaseConnection, "sslMode" | "caIssuer" | "caCertificate"> {
  if (server.privateCaIssuer) return { sslMode: "verify-full", caIssuer: server.privateCaIssuer };
  if (server.serverCaCertificate) return { sslMode: server.certificateNamesHost ? "verify-full" : "verify-ca", caCertificate: server.serverCaCertificate };
  return { sslMode };
}

/** The main PostgreSQL server, and the LI one while LI is deployed. */
export interface DatabaseServers {
  main: DatabaseServer;
  li?: DatabaseServer;
}

/**
 * The `databases` record of a Platform: each consumer's connection on the server its
 * DATABASE_SPECS entry names. Fails when a server does not hold a database it should (a
 * platform that forgot to create one must not produce a half-filled record).
 */
export function databaseRecords(servers: DatabaseServers, sslMode: DatabaseConnection["sslMode"], deployed: readonly DatabaseName[] = DATABASES): PlatformDatabases {
  const connection = (db: DatabaseName): DatabaseConnection => {
    const server = servers[DATABASE_SPECS[db].instance];
    if (!server) throw new Error(`${db} is deployed but the platform created no ${DATABASE_SPECS[db].instance} database server`);
    const creds = server.credentials[db];
    if (!creds) throw new Error(`the ${DATABASE_SPECS[db].instance} database server holds no credentials for ${db}`);
    return {
      host: server.host,
      port: server.port,
      database: creds.database,
      user: pulumi.output(creds.user),
      password: creds.password,
      ...serverTrust(server, sslMode),
      readHost: server.readHost,
      maxConnections: server.maxConnections,
      network: server.network,
    };
  };
  return Object.fromEntries(deployed.map((d) => [d, connection(d)])) as PlatformDatabases;
}

/** What the cluster add-ons give every platform. */
export interface AddonOutputs {
  gateway: Platform["gateway"];
  clusterIssuer: string;
  ready: pulumi.Resource[];
  crdProviders: Platform["crdProviders"];
}

/**
 * The shared Platform fields: gateway and issuer from the add-ons, databases from the servers,
 * and `ready` = the platform's own resources around the add-ons' (cluster first, then add-ons,
 * then what needs both, e.g. database bootstrap Jobs).
 */
export function sharedPlatformFields(args: {
  /** The platform's ClusterAddons. */
  addons: AddonOutputs;
  /** Main and (while LI is deployed) LI PostgreSQL servers. */
  servers: DatabaseServers;
  /** libpq sslmode of a server that names no CA to verify against. */
  sslMode: DatabaseConnection["sslMode"];
  /** The databases the stack creates (contracts.ts deployedDatabases). */
  databases: readonly DatabaseName[];
  /** Resources ready before the add-ons (node pools, CSI, storage class). */
  readyBefore: pulumi.Resource[];
  /** Resources ready after the add-ons (data services). Default: none. */
  readyAfter?: pulumi.Resource[];
}): Pick<Platform, "gateway" | "clusterIssuer" | "databases" | "ready" | "crdProviders"> {
  return {
    crdProviders: args.addons.crdProviders,
    gateway: args.addons.gateway,
    clusterIssuer: args.addons.clusterIssuer,
    databases: databaseRecords(args.servers, args.sslMode, args.databases),
    ready: [...args.readyBefore, ...args.addons.ready, ...(args.readyAfter ?? [])],
  };
}
