/**
 * KeyVault: key_vault (images/key-vault) in the Matrix namespace, beside the Synapse that calls
 * it. A migration Job applies its Django migrations to its own database before the Deployment
 * rolls out; its secrets (database password, service token, Django key) reach the pods only
 * through a Secret mounted as files; replicas, HPA and resources come from sizing. Its
 * NetworkPolicies admit only Synapse's main process on its port and let it reach only its
 * database (and DNS). The generated credentials are KeyVaultCredentials'.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { DatabaseConnection, Platform } from "../contracts";
import type { WorkloadSizing } from "../../sizing/types";
import { KEY_VAULT_NAME, KEY_VAULT_PORT, KEY_VAULT_UID, keyVaultEnv } from "../../render/key-vault";
import { selectorLabels, standardLabels } from "../k8s/labels";
import type { NetworkFlows, Workload } from "../k8s/network";
import { httpProbe, resourcesOf, restrictedContainer, restrictedPod } from "../k8s/pod-spec";
import { KEY_VAULT_MIGRATE, keyVaultFlows } from "./key-vault-flows";
import type { KeyVaultCredentials } from "./key-vault-credentials";
import { cpuAutoscalerSpec } from "../k8s/autoscaling";
import { caTrustAnnotations, privateCaTrust } from "../k8s/ca-trust";
import { disruptionBudgetSpec } from "../k8s/disruption-budget";

/** Where the Secret's files are mounted in key_vault's containers. */
export const KEY_VAULT_SECRETS_DIR = "/etc/key-vault/secrets";
/** Where the database server's CA is mounted (its `ca.crt`), where key_vault verifies the server. */
export const KEY_VAULT_DATABASE_CA_DIR = "/etc/key-vault/database-ca";

export interface KeyVaultArgs {
  /** The project's key-vault image (built from images/key-vault), digest-pinned. */
  image: pulumi.Input<string>;
  /** Namespace to deploy into (the Matrix StackNamespace's `name` output, so objects wait for it). */
  namespace: pulumi.Input<string>;
  /** Plain namespace name (flows, DNS names): NAMESPACES.matrix. */
  namespaceName: string;
  /** `sizing.components.keyVault`: replicas, HPA bounds, resources, tier. */
  sizing: WorkloadSizing;
  /** Its own database on the platform's PostgreSQL (`platform.databases.keyVault`). */
  database: DatabaseConnection;
  /** Service token and Django key (the RSA pair is not the vault's: it never enters the cluster). */
  credentials: Pick<KeyVaultCredentials, "serviceToken" | "djangoSecretKey">;
  /** Kubernetes provider and placement for the tier; CRD providers for a trust Certificate of the database's CA. */
  platform: Pick<Platform, "provider" | "placement" | "crdProviders">;
  /** The Synapse pods that call key_vault (main's). */
  callers: Workload;
  /** The stack's flow registry. */
  flows: NetworkFlows;
}

export class KeyVault extends pulumi.ComponentResource {
  /** The migration Job (the Deployment waits for it). */
  readonly migration: k8s.batch.v1.Job;

  constructor(name: string, args: KeyVaultArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("matrix-platform:li:KeyVault", name, {}, opts);
    const child = { parent: this, provider: args.platform.provider };
    const labels = standardLabels(KEY_VAULT_NAME, "key-vault");
    const selector = selectorLabels(KEY_VAULT_NAME);
    const meta = { name: KEY_VAULT_NAME, namespace: args.namespace, labels };
    const db = args.database;
    const s = args.sizing;
    const placement = args.platform.placement(s.tier);

    const secret = new k8s.core.v1.Secret(`${name}-secrets`, {
      metadata: { ...meta, name: `${KEY_VAULT_NAME}-secrets` },
      type: "Opaque",
      stringData: pulumi.secret(pulumi.all([db.password, args.credentials.serviceToken, args.credentials.djangoSecretKey]).apply(([password, token, djangoKey]) => ({
        db_password: password, service_token: token, django_secret_key: djangoKey,
      }))),
    }, child);
    // The database server's CA (the internal CA's, Cloud SQL's, the region's RDS roots) as ca.crt, where the platform names one.
    const databaseCa = privateCaTrust(`${name}-database-ca`, db, { namespace: args.namespace, objectName: `${KEY_VAULT_NAME}-database-ca`, file: "ca.crt", component: "key-vault" }, child, args.platform.crdProviders);
    const env = pulumi.all([pulumi.unsecret(db.host), pulumi.unsecret(db.port), pulumi.unsecret(db.user)]).apply(([host, port, user]) =>
      Object.entries(keyVaultEnv({ host, port, database: db.database, user, sslMode: db.sslMode, ...(databaseCa ? { caFile: `${KEY_VAULT_DATABASE_CA_DIR}/ca.crt` } : {}) }, KEY_VAULT_SECRETS_DIR)).map(([n, value]) => ({ name: n, value })));
    const volumes = [
      { name: "secrets", secret: { secretName: secret.metadata.name, defaultMode: 0o440 } },
      ...(databaseCa ? [{ name: "database-ca", projected: { defaultMode: 0o444, sources: [databaseCa.source] } }] : []),
    ];
    const mounts = [
      { name: "tmp", mountPath: "/tmp" },
      { name: "secrets", mountPath: KEY_VAULT_SECRETS_DIR, readOnly: true },
      ...(databaseCa ? [{ name: "database-ca", mountPath: KEY_VAULT_DATABASE_CA_DIR, readOnly: true }] : []),
    ];

    // The Job's template is immutable, so a new image (new migrations) replaces the Job and runs them.
    const migrateLabels = standardLabels(KEY_VAULT_MIGRATE, "key-vault-migration");
    this.migration = new k8s.batch.v1.Job(`${name}-migrate`, {
      metadata: { namespace: args.namespace, labels: migrateLabels },
      spec: {
        backoffLimit: 6,
        activeDeadlineSeconds: 900,
        template: {
          metadata: { labels: migrateLabels, annotations: caTrustAnnotations(databaseCa) },
          spec: {
            ...restrictedPod({
              uid: KEY_VAULT_UID,
              placement,
              selector: selectorLabels(KEY_VAULT_MIGRATE),
              volumes,
              containers: [restrictedContainer({
                name: "migrate",
                image: args.image,
                command: ["python", "manage.py", "migrate", "--noinput"],
                env,
                resources: { requests: { cpu: "50m", memory: "128Mi", "ephemeral-storage": "16Mi" }, limits: { cpu: "500m", memory: "256Mi", "ephemeral-storage": "64Mi" } },
                volumeMounts: mounts,
              }, KEY_VAULT_UID)],
            }),
            restartPolicy: "OnFailure",
          },
        },
      },
    }, { ...child, dependsOn: databaseCa ? [databaseCa.resource] : [] });

    new k8s.apps.v1.Deployment(`${name}-deployment`, {
      metadata: meta,
      spec: {
        // With an HPA the HPA owns the count (minReplicas = the sized count).
        ...(s.autoscaling ? {} : { replicas: s.replicas }),
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        selector: { matchLabels: selector },
        template: {
          metadata: { labels, annotations: caTrustAnnotations(databaseCa) },
          spec: restrictedPod({
            uid: KEY_VAULT_UID,
            placement,
            selector,
            volumes,
            containers: [restrictedContainer({
              name: KEY_VAULT_NAME,
              image: args.image,
              env,
              ports: [{ name: "http", containerPort: KEY_VAULT_PORT }],
              resources: resourcesOf(s.resources),
              volumeMounts: mounts,
              // Readiness asks /health (it queries the database); liveness only needs the listener.
              livenessProbe: { tcpSocket: { port: "http" }, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 3 },
              readinessProbe: httpProbe("/health", "http", { period: 5 }),
            }, KEY_VAULT_UID)],
          }),
        },
      },
    }, { ...child, dependsOn: [this.migration] });
    if (s.autoscaling) {
      new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-hpa`, {
        metadata: meta,
        spec: cpuAutoscalerSpec(KEY_VAULT_NAME, s.autoscaling),
      }, child);
    }
    new k8s.core.v1.Service(`${name}-service`, {
      metadata: meta,
      spec: { type: "ClusterIP", selector, ports: [{ name: "http", port: KEY_VAULT_PORT, targetPort: "http" }] },
    }, child);
    new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, { metadata: meta, spec: disruptionBudgetSpec(selector) }, child);

    args.flows.allowAll(keyVaultFlows(args.namespaceName, args.callers, db.network), { namePrefix: "key-vault", parent: this });
    this.registerOutputs({});
  }
}
