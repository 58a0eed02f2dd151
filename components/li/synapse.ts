/**
 * SynapseLi: the LI homeserver, one Synapse process on the LI database and LI's media bucket
 * (render/li/synapse.ts says what its config turns off). A thin shell: Secrets, the rendered
 * ConfigMap, a Deployment of one pod (never two: a single process owns the database), a Service
 * and the PDB.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { DEFAULT_SYNAPSE_PATHS, OBJECT_STORE_CA_PATH, renderAwsConfig, renderLogConfig, signingKeyId, synapseSigningKey, toYaml } from "../../render/synapse";
import { DEFAULT_LI_SYNAPSE_PATHS, LI_SYNAPSE_PORTS, liSynapseDeploymentInput, renderLiHomeserverConfig } from "../../render/li";
import type { WorkloadSizing } from "../../sizing/types";
import type { CrdProviders, DatabaseConnection, ObjectStore, Placement } from "../contracts";
import { standardLabels } from "../k8s/labels";
import { caVolume, trustCertificate } from "../k8s/internal-ca";
import { LI_INSTANCE, SYNAPSE_LI, liSelector } from "./names";
import { checksum, httpProbe, resourcesOf, restrictedContainer, restrictedPod } from "../k8s/pod-spec";
import { pgpassLine, SYNAPSE_UID } from "../k8s/synapse-pod";
import { caTrustAnnotations, privateCaTrust } from "../k8s/ca-trust";
import { disruptionBudgetSpec } from "../k8s/disruption-budget";


export interface SynapseLiArgs {
  /** Synapse image (the project's Synapse image reference, like main's). */
  image: pulumi.Input<string>;
  /** The main homeserver's server name. */
  serverName: string;
  /** synapse-li's public host (liMatrix). */
  publicHost: string;
  /** Largest upload in bytes (main's, so every replicated file is served). */
  maxUploadBytes: number;
  /** Namespace (the StackNamespace's name output). */
  namespace: pulumi.Input<string>;
  /** The LI database (its own server). */
  database: DatabaseConnection;
  /** The object store and the name of LI's media bucket (a private CA's issuer: the store's TLS chains to it). */
  objectStore: Pick<ObjectStore, "endpoint" | "region" | "forcePathStyle" | "credentials" | "serviceAccountAnnotations" | "privateCaIssuer">;
  mediaBucket: pulumi.Output<string>;
  sizing: WorkloadSizing;
  placement: Placement;
  provider: k8s.Provider;
  /** The add-on releases behind each CRD group (its CA-trust Certificates depend on cert-manager's). */
  crds: CrdProviders;
}

export class SynapseLi extends pulumi.ComponentResource {
  /** Service name (client API and admin API on port 8008). */
  readonly serviceName = SYNAPSE_LI;
  /** registration_shared_secret (secret): the LI officers create investigator accounts with it. */
  readonly registrationSharedSecret: pulumi.Output<string>;
  /** synapse-li's own signing key ID (it signs nothing anyone else checks: federation is off). */
  readonly signingKeyId: pulumi.Output<string>;

  constructor(name: string, args: SynapseLiArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("matrix-platform:li:SynapseLi", name, {}, opts);
    const child = { parent: this, provider: args.provider };
    const ns = args.namespace;
    const labels = standardLabels(SYNAPSE_LI, "synapse", LI_INSTANCE);
    const meta = (objName: string) => ({ name: objName, namespace: ns, labels });

    const rand = (key: string) => new random.RandomPassword(`${name}-${key}`, { length: 64, special: false }, { parent: this }).result;
    const registration = rand("registration");
    this.registrationSharedSecret = pulumi.secret(registration);
    const signing = new tls.PrivateKey(`${name}-signing-key`, { algorithm: "ED25519" }, { parent: this, additionalSecretOutputs: ["privateKeyPem"] });
    this.signingKeyId = pulumi.unsecret(signing.privateKeyPem.apply((pem) => signingKeyId(pem)));
    const secrets = new k8s.core.v1.Secret(`${name}-secrets`, {
      metadata: meta(`${SYNAPSE_LI}-secrets`),
      type: "Opaque",
      stringData: pulumi.secret(pulumi.output<Record<string, pulumi.Input<string>>>({ macaroon_secret_key: rand("macaroon"), registration_shared_secret: registration, form_secret: rand("form") })) as pulumi.Output<Record<string, string>>,
    }, child);
    const signingSecret = new k8s.core.v1.Secret(`${name}-signing-key`, {
      metadata: meta(`${SYNAPSE_LI}-signing-key`),
      type: "Opaque",
      stringData: pulumi.secret(signing.privateKeyPem.apply((pem) => ({ "signing.key": synapseSigningKey(pem) }))),
    }, child);
    const db = args.database;
    // The rendered config, split in two: the database section (it names the LI role, a value of
    // the database's role Secret) goes into a Secret as database.yaml, the rest into the ConfigMap.
    const rendered = pulumi
      .all([db.host, db.port, db.user, args.objectStore.endpoint, args.mediaBucket])
      .apply(([host, port, user, endpoint, bucket]) => renderLiHomeserverConfig(liSynapseDeploymentInput({
        serverName: args.serverName,
        publicHost: args.publicHost,
        maxUploadBytes: args.maxUploadBytes,
        database: { host, port, database: db.database, user, sslMode: db.sslMode, maxConnections: db.maxConnections, privateCa: db.caIssuer !== undefined || db.caCertificate !== undefined },
        objectStore: { bucket, endpoint, region: args.objectStore.region, forcePathStyle: args.objectStore.forcePathStyle, privateCa: args.objectStore.privateCaIssuer !== undefined },
      })));
    const dbSecret = new k8s.core.v1.Secret(`${name}-db`, {
      metadata: meta(`${SYNAPSE_LI}-db`),
      type: "Opaque",
      stringData: pulumi.secret(pulumi.all([db.host, db.port, db.user, db.password, rendered]).apply(([h, p, u, pw, r]) => ({
        pgpass: pgpassLine(h, p, db.database, u, pw),
        "database.yaml": toYaml({ database: r.database }),
      }))),
    }, child);
    const creds = args.objectStore.credentials;
    const s3Secret = creds
      ? new k8s.core.v1.Secret(`${name}-media-s3`, {
          metadata: meta(`${SYNAPSE_LI}-media-s3`),
          type: "Opaque",
          stringData: pulumi.secret(pulumi.all([creds.accessKeyId, creds.secretAccessKey]).apply(([id, key]) => ({
            credentials: `[default]\naws_access_key_id = ${id}\naws_secret_access_key = ${key}\n`,
          }))),
        }, child)
      : undefined;

    const homeserverYaml = pulumi.unsecret(rendered).apply((r) => {
      const { database: _database, ...rest } = r;
      return toYaml(rest, "Generated by matrix-platform (render/li/synapse.ts); edit the program, not this file. The database section is in the Secret synapse-li-db.");
    });
    const logYaml = toYaml(renderLogConfig());
    // The in-cluster object store (MinIO) serves TLS from the internal CA: botocore verifies it
    // against that CA (its config's ca_bundle), as main's media processes do; without it no
    // replicated file could be read.
    const caIssuer = args.objectStore.privateCaIssuer;
    const objectStoreCa = caIssuer
      ? trustCertificate(`${name}-object-store-ca`, { namespace: ns, secretName: `${SYNAPSE_LI}-object-store-ca`, issuer: caIssuer }, child, args.crds)
      : undefined;
    const awsConfig = args.objectStore.forcePathStyle || caIssuer ? renderAwsConfig(caIssuer ? OBJECT_STORE_CA_PATH : undefined) : undefined;
    const config = new k8s.core.v1.ConfigMap(`${name}-config`, {
      metadata: meta(`${SYNAPSE_LI}-config`),
      data: { "homeserver.yaml": homeserverYaml, "log.yaml": logYaml, ...(awsConfig ? { "aws-config": awsConfig } : {}) },
    }, child);
    const sa = new k8s.core.v1.ServiceAccount(`${name}-sa`, {
      metadata: { ...meta(SYNAPSE_LI), annotations: args.objectStore.serviceAccountAnnotations[SYNAPSE_LI] ?? {} },
      automountServiceAccountToken: false,
    }, child);

    const paths = DEFAULT_LI_SYNAPSE_PATHS;
    const hs = `${DEFAULT_SYNAPSE_PATHS.configDir}/homeserver.yaml`;
    const command = ["/bin/sh", "-c", [
      "set -eu",
      `cp /etc/synapse/db/pgpass ${paths.pgpass}`,
      `chmod 0600 ${paths.pgpass}`,
      `exec python -m synapse.app.homeserver -c ${hs} -c /etc/synapse/db/database.yaml`,
    ].join("\n")];
    const image = args.image;
    const selector = liSelector(SYNAPSE_LI);
    // The LI database server's private CA (verify-full), as ca.crt of a Certificate in this namespace.
    // The LI server's CA (the internal CA's for verify-full, Cloud SQL's PEM for verify-ca), as ca.crt.
    const databaseCa = privateCaTrust(`${name}-database-ca`, args.database, { namespace: ns, objectName: "synapse-li-database-ca", file: "ca.crt", component: "li" }, child, args.crds);
    new k8s.apps.v1.Deployment(`${name}`, {
      metadata: meta(SYNAPSE_LI),
      spec: {
        // One process, never two at once: Recreate, and no HPA.
        replicas: 1,
        strategy: { type: "Recreate" },
        selector: { matchLabels: selector },
        template: {
          metadata: { labels, annotations: { "matrix-platform.io/config-checksum": homeserverYaml.apply((h) => checksum(h, logYaml, awsConfig ?? "")), ...caTrustAnnotations(databaseCa) } },
          spec: restrictedPod({
            uid: SYNAPSE_UID,
            placement: args.placement,
            selector,
            serviceAccountName: SYNAPSE_LI,
            terminationGracePeriodSeconds: 60,
            volumes: [
              { name: "conf", configMap: { name: config.metadata.name } },
              { name: "secrets", secret: { secretName: secrets.metadata.name, defaultMode: 0o440 } },
              { name: "signing-key", secret: { secretName: signingSecret.metadata.name, defaultMode: 0o440 } },
              { name: "db", secret: { secretName: dbSecret.metadata.name, defaultMode: 0o440 } },
              { name: "run", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } },
              { name: "media", emptyDir: { sizeLimit: "20Gi" } },
              ...(s3Secret ? [{ name: "aws-credentials", secret: { secretName: s3Secret.metadata.name, defaultMode: 0o440 } }] : []),
              ...(objectStoreCa ? [caVolume("object-store-ca", `${SYNAPSE_LI}-object-store-ca`)] : []),
              ...(databaseCa ? [{ name: "database-ca", projected: { defaultMode: 0o444, sources: [databaseCa.source] } }] : []),
            ],
            containers: [restrictedContainer({
              name: "synapse",
              image,
              command,
              env: [
                { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
                ...(awsConfig ? [{ name: "AWS_CONFIG_FILE", value: `${DEFAULT_SYNAPSE_PATHS.configDir}/aws-config` }] : []),
                ...(s3Secret ? [{ name: "AWS_SHARED_CREDENTIALS_FILE", value: "/etc/synapse/aws-credentials/credentials" }] : []),
              ],
              ports: [
                { name: "http", containerPort: LI_SYNAPSE_PORTS.http },
                { name: "metrics", containerPort: LI_SYNAPSE_PORTS.metrics },
                { name: "health", containerPort: LI_SYNAPSE_PORTS.health },
              ],
              resources: resourcesOf(args.sizing.resources, 24),
              volumeMounts: [
                { name: "conf", mountPath: DEFAULT_SYNAPSE_PATHS.configDir, readOnly: true },
                { name: "secrets", mountPath: "/etc/synapse/secrets", readOnly: true },
                { name: "signing-key", mountPath: "/etc/synapse/keys", readOnly: true },
                { name: "db", mountPath: "/etc/synapse/db", readOnly: true },
                { name: "run", mountPath: "/run/synapse" },
                { name: "tmp", mountPath: "/tmp" },
                { name: "media", mountPath: paths.mediaStore },
                ...(s3Secret ? [{ name: "aws-credentials", mountPath: "/etc/synapse/aws-credentials", readOnly: true }] : []),
                ...(objectStoreCa ? [{ name: "object-store-ca", mountPath: OBJECT_STORE_CA_PATH.replace(/\/ca\.crt$/, ""), readOnly: true }] : []),
                ...(databaseCa ? [{ name: "database-ca", mountPath: paths.databaseCa.replace(/\/ca\.crt$/, ""), readOnly: true }] : []),
              ],
              // A refresh of the LI database may leave migrations to run at start.
              startupProbe: httpProbe("/health", "http", { period: 10, failures: 90 }),
              livenessProbe: httpProbe("/health?probe=liveness", "health", { period: 15, failures: 4, timeout: 5 }),
              readinessProbe: httpProbe("/health", "http", { period: 5, failures: 2 }),
            }, SYNAPSE_UID)],
          }),
        },
      },
    }, { ...child, dependsOn: [sa] });
    new k8s.core.v1.Service(`${name}`, {
      metadata: meta(SYNAPSE_LI),
      spec: {
        type: "ClusterIP",
        selector,
        ports: [
          { name: "http", port: LI_SYNAPSE_PORTS.http, targetPort: "http" },
          { name: "metrics", port: LI_SYNAPSE_PORTS.metrics, targetPort: "metrics" },
        ],
      },
    }, child);
    new k8s.policy.v1.PodDisruptionBudget(`${name}`, {
      metadata: meta(SYNAPSE_LI),
      spec: disruptionBudgetSpec(selector),
    }, child);
    this.registerOutputs({ serviceName: this.serviceName, signingKeyId: this.signingKeyId });
  }
}
