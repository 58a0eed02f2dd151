/**
 * From the inputs the program renders its Kubernetes configs with to the inputs for one machine.
 *
 * The renderers take every address, port and path as a plain input (a `SynapseNetwork`, a
 * `SynapsePaths`, endpoint records, HAProxy server sources). The adapter swaps exactly those —
 * and nothing else — for loopback ones, then calls the same renderers:
 *   - addresses and ports: every Synapse listener binds 127.0.0.1 on its own free port; the
 *     database, Redis and object-store endpoints, the appservice URLs and public_baseurl point at
 *     the loopback processes; HAProxy's frontends bind loopback and its pools, discovered through
 *     the cluster DNS in Kubernetes (`server-template` on a headless Service), become literal
 *     servers for the instances running here (so no DNS resolver is configured);
 *   - transport: the loopback PostgreSQL and Redis speak plain TCP (sslmode disable, no TLS);
 *   - paths: every mounted file and directory moves under the run directory.
 * Worker instances, stream writers, roles, listener resources, routing rules, balancing,
 * timeouts, pool sizes and limits come out of the renderers unchanged: they are what the e2e
 * tests. tests/e2e/adapter.test.ts renders both ways and checks that only the fields above differ.
 */
import { DATABASE_SPECS } from "../components/contracts";
import type { PushApp } from "../config/spec";
import { planSygnal, type SygnalPlan } from "./sygnal";
import type { LoopbackTenant, ObjectStorePlan } from "./object-store";
import * as path from "path";
import {
  DOUBLE_PUPPET_ID,
  appserviceFileName,
  bridgeAppservice,
  renderDoublePuppetRegistration,
  mainInstance,
  renderAppserviceRegistration,
  renderSynapse,
  toYaml,
  type BridgeName,
  type ProcessAddress,
  type SynapseInstance,
  type SynapseNetwork,
  type SynapsePaths,
  type SynapseRenderInput,
} from "../render/synapse";
import { MTLS_PROXY_MAXCONN, buildHaproxyModel, renderHaproxyConfig, renderMtlsProxyConfig, type HaproxyInput, type HaproxyModel, type ServerSource, type UpstreamTls } from "../render/haproxy";

export const LOOPBACK = "127.0.0.1";
/** The name on the e2e Redis's TLS certificate, which Synapse's proxy verifies (the in-cluster master Service's form). */
export const REDIS_E2E_SERVER_NAME = "redis.matrix-data.svc.cluster.local";

export type PortSource = () => number;

/** A SynapseNetwork on loopback: each process gets its own HTTP, replication and metrics port. */
export interface LoopbackNetwork extends SynapseNetwork {
  /** Addresses handed out so far, by instance name. */
  readonly assigned: ReadonlyMap<string, ProcessAddress>;
}

/**
 * Mirrors the cluster network on loopback: for each process, every port field the cluster
 * address has (`httpPort`, `replicationPort`, `metricsPort`, `healthPort`, ...) gets its own free
 * loopback port, so the rendered listeners are the same set as in Kubernetes, only renumbered.
 */
export function loopbackNetwork(nextPort: PortSource, cluster: SynapseNetwork): LoopbackNetwork {
  const assigned = new Map<string, ProcessAddress>();
  return {
    assigned,
    addressOf(instance: SynapseInstance): ProcessAddress {
      let a = assigned.get(instance.name);
      if (!a) {
        const template = cluster.addressOf(instance) as unknown as Record<string, unknown>;
        const out: Record<string, unknown> = { host: LOOPBACK, bindAddresses: [LOOPBACK] };
        for (const [k, v] of Object.entries(template)) {
          if (/Port$/.test(k) && typeof v === "number") out[k] = nextPort();
        }
        if (template.httpBindAddresses !== undefined) out.httpBindAddresses = [LOOPBACK];
        // The certificate name is no address: HAProxy verifies the cluster's name on loopback too.
        if (template.tlsName !== undefined) out.tlsName = template.tlsName;
        a = out as unknown as ProcessAddress;
        assigned.set(instance.name, a);
      }
      return a;
    },
  };
}

/** Moves an absolute container path under the run directory (`/etc/synapse/x` -> `<run>/fs/etc/synapse/x`). */
export function relocate(runDir: string, p: string): string {
  if (!path.isAbsolute(p)) throw new Error(`expected an absolute container path, got ${p}`);
  return path.join(runDir, "fs", p);
}

export function loopbackPaths(paths: SynapsePaths, runDir: string): SynapsePaths {
  return Object.fromEntries(Object.entries(paths).map(([k, v]) => [k, relocate(runDir, v)])) as unknown as SynapsePaths;
}

/** Loopback ports of the non-Synapse services. */
export interface LoopbackEndpoints {
  postgres: number;
  /** redis-server's plain port (LiveKit and redis_exporter in the e2e). */
  redis: number;
  /** redis-server's TLS port, which Synapse's verifying proxy dials. */
  redisTls: number;
  /** Synapse's verifying Redis proxy (render/redis/synapse-redis-proxy.ts): what Synapse dials, as in its pod. */
  redisProxy: number;
  s3: number;
  /** MinIO's console listener (off by config.env, but the server still wants an address). */
  s3Console: number;
  haproxy: { client: number; federation: number; stats: number };
  /** Appservice URLs point here: a loopback port nothing listens on (no bridge runs in the e2e). */
  appservice: number;
  /** clamd and the scan worker (e2e/antivirus.ts), when antivirus is rendered. */
  antivirus: { clamd: number; scanHttp: number; scanMetrics: number };
  /** key_vault (e2e/key-vault.ts), when main loads the key-store module (LI). */
  keyVault: number;
  /**
   * Where Synapse's spans go when tracing is rendered: a loopback UDP port nothing reads (the
   * e2e runs no collector; tests/validators/traces.test.ts runs Jaeger with Synapse).
   */
  traces: number;
}

export function allocateEndpoints(nextPort: PortSource): LoopbackEndpoints {
  return {
    postgres: nextPort(),
    redis: nextPort(),
    redisTls: nextPort(),
    redisProxy: nextPort(),
    s3: nextPort(),
    s3Console: nextPort(),
    haproxy: { client: nextPort(), federation: nextPort(), stats: nextPort() },
    appservice: nextPort(),
    antivirus: { clamd: nextPort(), scanHttp: nextPort(), scanMetrics: nextPort() },
    keyVault: nextPort(),
    traces: nextPort(),
  };
}

/** The Synapse render input with loopback addresses, ports, transports and paths. */
export function adaptSynapseInput(input: SynapseRenderInput, runDir: string, network: SynapseNetwork, ep: LoopbackEndpoints): SynapseRenderInput {
  return {
    ...input,
    publicBaseUrl: `http://${LOOPBACK}:${ep.haproxy.client}/`,
    network,
    paths: loopbackPaths(input.paths, runDir),
    database: { ...input.database, host: LOOPBACK, port: ep.postgres, sslMode: "disable" },
    // Synapse dials its verifying proxy in plain TCP, as in its pod; the proxy dials Redis's TLS port.
    redis: { ...input.redis, host: LOOPBACK, port: ep.redisProxy, tls: false, privateCa: false },
    objectStore: input.objectStore ? { ...input.objectStore, endpoint: `http://${LOOPBACK}:${ep.s3}` } : undefined,
    // Sygnal's Service address becomes the loopback Sygnal's.
    ...(input.pushGatewayAddresses ? { pushGatewayAddresses: input.pushGatewayAddresses.map(() => LOOPBACK) } : {}),
    // The scan workers' Service becomes the loopback scan worker.
    ...(input.antivirus ? { antivirus: { ...input.antivirus, scanUrl: `http://${LOOPBACK}:${ep.antivirus.scanHttp}${new URL(input.antivirus.scanUrl).pathname}` } } : {}),
    // key_vault's Service becomes the loopback key_vault.
    ...(input.liKeyStore ? { liKeyStore: { ...input.liKeyStore, keyVaultUrl: `http://${LOOPBACK}:${ep.keyVault}` } } : {}),
    // The collector's Service becomes a loopback port (its cluster name does not resolve here).
    ...(input.tracing ? { tracing: { ...input.tracing, agentHost: LOOPBACK, agentPort: ep.traces } } : {}),
  };
}

/**
 * The HAProxy input with loopback frontends and servers. Every server source of a routed type is
 * replaced by one literal server per instance running here, named after the instance (so the log's
 * `backend/server` names the process); main likewise. No DNS resolvers: the addresses are literal.
 */
export function adaptHaproxyInput(input: HaproxyInput, instances: readonly SynapseInstance[], network: SynapseNetwork, ep: LoopbackEndpoints, runDir?: string): HaproxyInput {
  // With mutual TLS each server is the process's loopback proxy, still verified by its cluster name.
  const tls = input.upstreamTls;
  const dial = (a: ProcessAddress): { port: number; tlsName?: string } => {
    if (!tls) return { port: a.httpPort };
    if (a.tlsPort === undefined || a.tlsName === undefined) throw new Error("mutual TLS is rendered, but a loopback process has no proxy port or certificate name");
    return { port: a.tlsPort, tlsName: a.tlsName };
  };
  const main = network.addressOf(mainInstance());
  const workers: Record<string, ServerSource[]> = {};
  for (const type of Object.keys(input.workers)) {
    const running = instances.filter((i) => i.type?.name === type);
    if (running.length === 0) throw new Error(`HAProxy routes to ${type}, but no ${type} instance is rendered`);
    workers[type] = running.map((i) => ({ kind: "server", name: i.name, host: LOOPBACK, ...dial(network.addressOf(i)), instance: i.name }));
  }
  if (tls && runDir === undefined) throw new Error("mutual TLS is rendered: the router's certificate files need a run directory");
  return {
    ...input,
    main: { host: LOOPBACK, ...dial(main) },
    workers,
    ...(tls ? { upstreamTls: { caFile: relocate(runDir!, tls.caFile), certFile: relocate(runDir!, tls.certFile) } } : {}),
    ports: { client: ep.haproxy.client, federation: ep.haproxy.federation, stats: ep.haproxy.stats },
    bindAddress: LOOPBACK,
    resolvers: false,
  };
}

/** `backend/server` -> the process behind it, from the model's literal servers. */
export function serverMap(model: HaproxyModel, instances: readonly SynapseInstance[]): Record<string, { instance: string; type: string }> {
  const out: Record<string, { instance: string; type: string }> = {};
  for (const b of model.backends) {
    for (const s of b.servers) {
      if (s.kind !== "server" || !s.instance) throw new Error(`backend ${b.name}: server without a known instance`);
      const type = s.instance === "main" ? "main" : instances.find((i) => i.name === s.instance)?.type?.name;
      if (!type) throw new Error(`backend ${b.name}: server ${s.name} names unknown instance ${s.instance}`);
      out[`${b.name}/${s.name}`] = { instance: s.instance, type };
    }
  }
  return out;
}

export interface PlanProcess {
  instance: string;
  /** "main" or the catalogue worker type. */
  type: string;
  /** Python module to run. */
  app: string;
  configFiles: string[];
  healthUrl: string;
  /** Environment beyond the inherited one (object-store access for media processes). */
  env: Record<string, string>;
}

/** A secret file the rendered config reads by path; `value` when the e2e itself must know it. */
export interface SecretFile {
  path: string;
  kind: "signing_key" | "random" | "value";
  value?: string;
}

export interface LoopbackPlan {
  runDir: string;
  serverName: string;
  input: SynapseRenderInput;
  files: Record<string, string>;
  dirs: string[];
  secretFiles: SecretFile[];
  /** Main first, then workers in catalogue order. */
  processes: PlanProcess[];
  postgres: { port: number; databases: { dbname: string; user: string; password: string }[]; maxConnections: number };
  /**
   * Redis: its plain port (LiveKit, redis_exporter), and the TLS path Synapse takes: redis-server's
   * TLS port with a certificate for `serverName` from the e2e's CA, and the rendered verifying
   * proxy on `proxyPort`.
   */
  redis: { port: number; password: string; tls: { port: number; proxyPort: number; serverName: string } };
  /** The object store (MinIO, e2e/object-store.ts); `buckets[0]` is main's media bucket. */
  s3?: ObjectStorePlan & { buckets: string[] };
  haproxy: {
    configFile: string;
    clientUrl: string;
    federationUrl: string;
    statsUrl: string;
    /** Rendered global maxconn. */
    maxconn: number;
    servers: Record<string, { instance: string; type: string }>;
    /** Host the admin API is served on (the stack's admin host). */
    adminHost?: string;
    /** Client CIDRs the admin API accepts through the edge. */
    adminSourceRanges: string[];
    /** Upload limit in bytes (HAProxy's 413 rule and Synapse's max_upload_size). */
    maxUploadBytes: number;
  };
  registrationSecret: string;
  /** The TURN shared secret Synapse signs credentials with, when the e2e knows it. */
  turnSharedSecret?: string;
  /** The bridges' registrations: the e2e plays the bridge at `port` (one listener for all). */
  appservices: { id: string; asToken: string; hsToken: string; botLocalpart: string; port: number }[];
  /** as_token of the double-puppeting registration (the bridges' `double_puppet.secrets`). */
  doublePuppetToken: string;
  /** Sygnal on loopback, when push is deployed. */
  sygnal?: SygnalPlan;
  /** clamd's and the scan worker's ports and the token Synapse's module sends, when antivirus is rendered. */
  antivirus?: { clamdPort: number; scanPort: number; metricsPort: number; token: string; tokenFile: string };
  /** key_vault's port, its service token (the file main's key-store module reads) and its database on the run's PostgreSQL, when LI is rendered. */
  keyVault?: { port: number; token: string; tokenFile: string; database: { dbname: string; user: string; password: string } };
  /** HAProxy <-> Synapse mutual TLS, when rendered: the certificates to make and a proxy per process. */
  mtls?: MtlsPlan;
}

/** The loopback side of `internalMtls`: a CA, the router's client certificate, one proxy per Synapse process. */
export interface MtlsPlan {
  /** Where the throw-away CA and the issued certificates are made. */
  pkiDir: string;
  /** The router's files (the rendered server lines read them). */
  router: UpstreamTls;
  proxies: { instance: string; configFile: string; certFile: string; caFile: string; dnsName: string; healthUrl: string; maxconn: number }[];
}

export interface AdaptOptions {
  runDir: string;
  nextPort: PortSource;
  /** Bridges whose appservice registrations the rendered config lists. */
  bridges: BridgeName[];
  /**
   * Sygnal's apps when push is deployed. The loopback Sygnal sends every APNs connection to a stub
   * proxy, so no push leaves the machine; the FCM app is left out of it because Sygnal 0.15.1
   * cannot run an FCM app behind a proxy (render/sygnal; tests/validators/sygnal.test.ts starts
   * both apps without one).
   */
  pushApps?: PushApp[];
  /** The stack's MinIO tenant (drives, buckets, LI replication), stood up on loopback. */
  objectStoreTenant: LoopbackTenant;
  /** Test secrets (the stack generates these with @pulumi/random). */
  secrets: { registration: string; dbPassword: string; redisPassword: string; s3AccessKey: string; s3SecretKey: string; turnSharedSecret?: string; scanWorkerToken?: string; keyVaultToken?: string };
}

/**
 * Renders the loopback deployment with the program's renderers and lays out everything the
 * processes need: config files, secret files, ports, and which process is which.
 */
export function planLoopback(k8sSynapse: SynapseRenderInput, k8sHaproxy: HaproxyInput, opts: AdaptOptions): LoopbackPlan {
  const { runDir, nextPort, secrets } = opts;
  const network = loopbackNetwork(nextPort, k8sSynapse.network);
  const ep = allocateEndpoints(nextPort);
  const input = adaptSynapseInput(k8sSynapse, runDir, network, ep);
  const p = input.paths;
  const rendered = renderSynapse(input);

  const files: Record<string, string> = {};
  const confDir = p.configDir;
  const hsFile = path.join(confDir, "homeserver.yaml");
  files[hsFile] = rendered.homeserver.text;
  files[p.logConfig] = rendered.log.text;
  // Object-store access as the Matrix component gives it to the media-serving processes: the
  // botocore config (path-style addressing) and a shared-credentials file from a Secret, with
  // the key pair of the tenant's Matrix user (e2e/object-store.ts adds it to the loopback MinIO).
  const mediaEnv: Record<string, string> = {};
  if (rendered.awsConfig) {
    const f = relocate(runDir, "/etc/synapse/aws/config");
    files[f] = rendered.awsConfig;
    mediaEnv.AWS_CONFIG_FILE = f;
  }
  if (input.objectStore) {
    const f = relocate(runDir, "/etc/synapse/aws-credentials/credentials");
    files[f] = `[default]\naws_access_key_id = ${secrets.s3AccessKey}\naws_secret_access_key = ${secrets.s3SecretKey}\n`;
    mediaEnv.AWS_SHARED_CREDENTIALS_FILE = f;
  }
  // Media is served by the media workers, or by main when there are none (the monolith).
  const hasMediaWorker = input.instances.some((i) => i.type?.mediaRepository);
  const processes: PlanProcess[] = [{
    instance: "main",
    type: "main",
    app: "synapse.app.homeserver",
    configFiles: [hsFile],
    healthUrl: `http://${LOOPBACK}:${network.addressOf(mainInstance()).httpPort}/health`,
    env: hasMediaWorker ? {} : mediaEnv,
  }];
  for (const [name, w] of rendered.workers) {
    const file = path.join(confDir, "workers", `${name}.yaml`);
    files[file] = w.text;
    processes.push({
      instance: name,
      type: w.instance.type!.name,
      app: String(w.object.worker_app ?? "synapse.app.generic_worker"),
      configFiles: [hsFile, file],
      healthUrl: `http://${LOOPBACK}:${network.addressOf(w.instance).httpPort}/health`,
      env: w.instance.type?.mediaRepository ? mediaEnv : {},
    });
  }

  // Appservice registrations as the stack renders them; the bridge URL is a loopback address
  // where the e2e listens in the bridges' place.
  const appservices: LoopbackPlan["appservices"] = [];
  for (const b of opts.bridges) {
    const file = appserviceFileName(b);
    if (!input.appserviceFiles.includes(file)) throw new Error(`rendered config does not list ${file}`);
    const as = {
      ...bridgeAppservice(b, { serverName: input.serverName, namespace: "e2e", asToken: `as-${b}-${secrets.registration}`, hsToken: `hs-${b}-${secrets.registration}`, senderLocalpart: `${b}sender` }),
      url: `http://${LOOPBACK}:${ep.appservice}`,
    };
    files[path.join(p.appserviceDir, file)] = toYaml(renderAppserviceRegistration(as));
    appservices.push({ id: as.id, asToken: as.asToken, hsToken: as.hsToken, botLocalpart: as.botLocalpart, port: ep.appservice });
  }
  // The double-puppeting registration the bridges share, as the stack renders it.
  const doublePuppetFile = appserviceFileName(DOUBLE_PUPPET_ID);
  const doublePuppetToken = `as-${DOUBLE_PUPPET_ID}-${secrets.registration}`;
  if (input.appserviceFiles.includes(doublePuppetFile)) {
    files[path.join(p.appserviceDir, doublePuppetFile)] = toYaml(renderDoublePuppetRegistration({ asToken: doublePuppetToken, hsToken: `hs-${DOUBLE_PUPPET_ID}-${secrets.registration}`, senderLocalpart: `${DOUBLE_PUPPET_ID}sender`, serverName: input.serverName }));
  }
  const missing = input.appserviceFiles.filter((f) => f !== doublePuppetFile && !opts.bridges.some((b) => appserviceFileName(b) === f));
  if (missing.length) throw new Error(`rendered config lists appservice files the e2e has no bridge for: ${missing.join(", ")}`);

  const db = input.database;
  const secretFiles: SecretFile[] = [
    { path: p.signingKey, kind: "signing_key" },
    { path: p.macaroonSecretKey, kind: "random" },
    { path: p.registrationSharedSecret, kind: "value", value: secrets.registration },
    { path: p.formSecret, kind: "random" },
    { path: p.workerReplicationSecret, kind: "random" },
    { path: p.redisPassword, kind: "value", value: secrets.redisPassword },
    // libpq password file: host:port:database:user:password.
    { path: p.pgpass, kind: "value", value: `${db.host}:${db.port}:${db.database}:${db.user}:${secrets.dbPassword}\n` },
    // Known to the e2e when it runs coturn with the same secret (the RTC checks).
    secrets.turnSharedSecret ? { path: p.turnSharedSecret, kind: "value", value: secrets.turnSharedSecret } : { path: p.turnSharedSecret, kind: "random" },
    ...(input.antivirus ? [{ path: p.scanWorkerToken, kind: "value" as const, value: secrets.scanWorkerToken ?? "" }] : []),
    ...(input.liKeyStore ? [{ path: p.keyVaultToken, kind: "value" as const, value: secrets.keyVaultToken ?? "" }] : []),
  ];
  // key_vault's own database and owner on the run's PostgreSQL, as the platform creates them (DATABASE_SPECS.keyVault).
  const keyVault = input.liKeyStore
    ? { port: ep.keyVault, token: secrets.keyVaultToken ?? "", tokenFile: p.keyVaultToken, database: { dbname: DATABASE_SPECS.keyVault.database, user: DATABASE_SPECS.keyVault.owner, password: `kv-${secrets.dbPassword}` } }
    : undefined;

  const model = buildHaproxyModel(adaptHaproxyInput(k8sHaproxy, input.instances, network, ep, runDir));
  // Each process's proxy runs the config the pods get, renumbered to its loopback ports and files.
  let mtls: MtlsPlan | undefined;
  if (model.upstreamTls) {
    mtls = { pkiDir: path.join(runDir, "pki"), router: model.upstreamTls, proxies: [] };
    for (const inst of [mainInstance(), ...input.instances]) {
      const a = network.addressOf(inst);
      if (a.tlsPort === undefined || a.proxyHealthPort === undefined || a.tlsName === undefined) throw new Error(`${inst.name}: mutual TLS is rendered, but its address has no proxy`);
      const dir = path.join(runDir, "mtls-proxy", inst.name);
      const tlsFiles = { certFile: path.join(dir, "tls", "tls.crt"), caFile: path.join(dir, "tls", "ca.crt") };
      const configFile = path.join(dir, "haproxy.cfg");
      const text = renderMtlsProxyConfig({ bindAddress: LOOPBACK, tlsPort: a.tlsPort, healthPort: a.proxyHealthPort, upstream: { host: LOOPBACK, port: a.httpPort }, files: tlsFiles });
      mtls.proxies.push({ instance: inst.name, configFile, ...tlsFiles, dnsName: a.tlsName, healthUrl: `http://${LOOPBACK}:${a.proxyHealthPort}/health`, maxconn: MTLS_PROXY_MAXCONN });
      files[configFile] = text;
    }
  }
  const cfg = path.join(runDir, "haproxy", "haproxy.cfg");
  files[cfg] = renderHaproxyConfig(model);
  const haproxy: LoopbackPlan["haproxy"] = {
    configFile: cfg,
    clientUrl: `http://${LOOPBACK}:${ep.haproxy.client}`,
    federationUrl: `http://${LOOPBACK}:${ep.haproxy.federation}`,
    statsUrl: `http://${LOOPBACK}:${ep.haproxy.stats}`,
    maxconn: model.global.maxconn,
    servers: serverMap(model, input.instances),
    adminHost: model.adminApi.hosts[0],
    adminSourceRanges: model.adminApi.sourceRanges,
    maxUploadBytes: model.uploads.maxBytes,
  };

  return {
    runDir,
    serverName: input.serverName,
    input,
    files,
    dirs: [p.mediaStore, path.dirname(p.pgpass)],
    secretFiles,
    processes,
    postgres: { port: db.port, databases: [{ dbname: db.database, user: db.user, password: secrets.dbPassword }, ...(keyVault ? [keyVault.database] : [])], maxConnections: db.maxConnections },
    redis: { port: ep.redis, password: secrets.redisPassword, tls: { port: ep.redisTls, proxyPort: ep.redisProxy, serverName: REDIS_E2E_SERVER_NAME } },
    s3: input.objectStore
      ? { port: ep.s3, consolePort: ep.s3Console, buckets: [input.objectStore.bucket], endpoint: input.objectStore.endpoint, accessKey: secrets.s3AccessKey, secretKey: secrets.s3SecretKey, tenant: opts.objectStoreTenant }
      : undefined,
    haproxy,
    registrationSecret: secrets.registration,
    turnSharedSecret: secrets.turnSharedSecret,
    appservices,
    doublePuppetToken,
    ...(input.antivirus
      ? { antivirus: { clamdPort: ep.antivirus.clamd, scanPort: ep.antivirus.scanHttp, metricsPort: ep.antivirus.scanMetrics, token: secrets.scanWorkerToken ?? "", tokenFile: p.scanWorkerToken } }
      : {}),
    ...(keyVault ? { keyVault } : {}),
    ...(mtls ? { mtls } : {}),
    ...(opts.pushApps?.length
      ? { sygnal: planSygnal(opts.pushApps, path.join(runDir, "sygnal"), { http: nextPort(), metrics: nextPort(), proxy: nextPort() }) }
      : {}),
  };
}

