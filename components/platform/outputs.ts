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
   * The server's CA as a PEM (Cloud SQL's `serverCaCerts`): the consumers in
   * VERIFIED_DATABASE_CLIENTS then connect with verify-ca (the certificate names the instance, not
   * the private address clients dial, so the name cannot be checked).
   */
  serverCaCertificate?: pulumi.Output<string>;
  /** Credentials of every database this server holds. */
  credentials: Partial<Record<DatabaseName, DatabaseCredentials>>;
  /**
   * ClusterIssuer of the private CA that signs the server's certificate (the internal CA for
   * CloudNativePG): the consumers in VERIFIED_DATABASE_CLIENTS then connect with verify-full.
   */
  privateCaIssuer?: string;
}

/**
 * The consumers that mount a private server CA and connect with verify-full where their server
 * has one. The others keep the platform's sslmode (encrypted, not name-checked): the bridges and
 * the LI sync (whose archive server dials main itself, without the CA) do not mount it yet.
 * Where the server hands a PEM instead (Cloud SQL), these consumers connect with verify-ca.
 */
export const VERIFIED_DATABASE_CLIENTS: readonly DatabaseName[] = ["synapse", "synapseLi"];

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
      ...(server.privateCaIssuer && VERIFIED_DATABASE_CLIENTS.includes(db)
        ? { sslMode: "verify-full" as const, caIssuer: server.privateCaIssuer }
        : server.serverCaCertificate && VERIFIED_DATABASE_CLIENTS.includes(db)
          ? { sslMode: "verify-ca" as const, caCertificate: server.serverCaCertificate }
          : { sslMode }),
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
  /** libpq sslmode the platform's servers require. */
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
