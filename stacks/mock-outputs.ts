/**
 * What the mock engine answers for provider-computed outputs and invokes. The mock echoes a
 * resource's inputs; resources whose outputs the program reads (endpoints, ARNs, kubeconfig
 * pieces) get the fields a real provider would return, in the real shape.
 */
import { createHash, createPrivateKey, createPublicKey } from "crypto";
import { mockRsaKey } from "./mock-rsa-keys";
import { ADDON_NAMES, ADDONS, type CrdKind } from "../catalog/addons";

type State = Record<string, unknown>;

const AWS_ACCOUNT = "123456789012";

const STATE_BY_TYPE: Record<string, (name: string, inputs: State) => State> = {
  // The API server allocates a ClusterIP from the service range unless the Service is headless.
  "kubernetes:core/v1:Service": (name, inputs) => {
    const spec = (inputs.spec ?? {}) as State;
    return spec.clusterIP !== undefined ? {} : { spec: { ...spec, clusterIP: `10.96.${mockOctet(name)}.${mockOctet(`${name}/ip`)}` } };
  },
  "aws:eks/cluster:Cluster": (name) => ({
    endpoint: `https://${name}.gr7.us-east-1.eks.amazonaws.com`,
    certificateAuthority: { data: Buffer.from("mock-ca").toString("base64") },
    identities: [{ oidcs: [{ issuer: `https://oidc.eks.us-east-1.amazonaws.com/id/${name.toUpperCase()}` }] }],
    arn: `arn:aws:eks:us-east-1:${AWS_ACCOUNT}:cluster/${name}`,
    vpcConfig: { clusterSecurityGroupId: `sg-${name}` },
  }),
  "aws:rds/instance:Instance": (name, inputs) => ({
    address: `${inputs.identifier ?? name}.abc.us-east-1.rds.amazonaws.com`,
    port: 5432,
    endpoint: `${inputs.identifier ?? name}.abc.us-east-1.rds.amazonaws.com:5432`,
    arn: `arn:aws:rds:us-east-1:${AWS_ACCOUNT}:db:${inputs.identifier ?? name}`,
    // Replicas inherit the primary's login; the real provider reports it.
    username: inputs.username ?? "matrix_admin",
  }),
  "aws:rds/subnetGroup:SubnetGroup": (name, inputs) => ({ name: inputs.name ?? name, arn: `arn:aws:rds:us-east-1:${AWS_ACCOUNT}:subgrp:${name}` }),
  "aws:rds/parameterGroup:ParameterGroup": (name, inputs) => ({ name: inputs.name ?? name, arn: `arn:aws:rds:us-east-1:${AWS_ACCOUNT}:pg:${name}` }),
  "aws:elasticache/subnetGroup:SubnetGroup": (name, inputs) => ({ name: inputs.name ?? name }),
  "aws:ec2/launchTemplate:LaunchTemplate": (name) => ({ latestVersion: 1, arn: `arn:aws:ec2:us-east-1:${AWS_ACCOUNT}:launch-template/lt-${name}` }),
  "aws:ec2/securityGroup:SecurityGroup": (name) => ({ arn: `arn:aws:ec2:us-east-1:${AWS_ACCOUNT}:security-group/sg-${name}` }),
  "aws:eks/nodeGroup:NodeGroup": (name, inputs) => ({ arn: `arn:aws:eks:us-east-1:${AWS_ACCOUNT}:nodegroup/${inputs.clusterName}/${name}`, status: "ACTIVE" }),
  "aws:elasticache/replicationGroup:ReplicationGroup": (name, inputs) => ({
    primaryEndpointAddress: `master.${inputs.replicationGroupId ?? name}.abc.use1.cache.amazonaws.com`,
    readerEndpointAddress: `replica.${inputs.replicationGroupId ?? name}.abc.use1.cache.amazonaws.com`,
    port: inputs.port ?? 6379,
    arn: `arn:aws:elasticache:us-east-1:${AWS_ACCOUNT}:replicationgroup:${inputs.replicationGroupId ?? name}`,
  }),
  "aws:kms/key:Key": (name) => ({ arn: `arn:aws:kms:us-east-1:${AWS_ACCOUNT}:key/${name}`, keyId: name }),
  "aws:iam/role:Role": (name, inputs) => ({ arn: `arn:aws:iam::${AWS_ACCOUNT}:role/${inputs.name ?? name}`, name: inputs.name ?? name, uniqueId: `AROA${name.toUpperCase()}` }),
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (name) => ({ arn: `arn:aws:iam::${AWS_ACCOUNT}:oidc-provider/${name}` }),
  // A bucketPrefix gets a generated suffix from the real provider; the mock appends a fixed one.
  "aws:s3/bucket:Bucket": (name, inputs) => {
    const bucket = (inputs.bucket as string | undefined) ?? (inputs.bucketPrefix ? `${inputs.bucketPrefix}20261122000000000001` : name);
    return { bucket, arn: `arn:aws:s3:::${bucket}`, bucketRegionalDomainName: `${bucket}.s3.us-east-1.amazonaws.com` };
  },
  "aws:s3/bucketV2:BucketV2": (name, inputs) => ({ bucket: inputs.bucket ?? name, arn: `arn:aws:s3:::${inputs.bucket ?? name}` }),
  "aws:ec2/vpc:Vpc": (name, inputs) => ({ arn: `arn:aws:ec2:us-east-1:${AWS_ACCOUNT}:vpc/${name}`, cidrBlock: inputs.cidrBlock }),
  "gcp:container/cluster:Cluster": (name) => ({
    endpoint: "10.0.0.2",
    masterAuth: { clusterCaCertificate: Buffer.from("mock-ca").toString("base64") },
    selfLink: `https://container.googleapis.com/v1/projects/p/locations/l/clusters/${name}`,
  }),
  "gcp:sql/databaseInstance:DatabaseInstance": (name, inputs) => ({
    name: inputs.name ?? name,
    // Distinct per instance so tests can tell main, LI and replicas apart.
    privateIpAddress: `10.100.${mockOctet(String(inputs.name ?? name))}.3`,
    connectionName: `project:${inputs.region ?? "us-central1"}:${inputs.name ?? name}`,
    selfLink: `https://sqladmin.googleapis.com/sql/v1beta4/projects/project/instances/${inputs.name ?? name}`,
    // The instance's server CA (what Synapse verifies against with verify-ca).
    serverCaCerts: [{ cert: `-----BEGIN CERTIFICATE-----\nMOCK-${inputs.name ?? name}\n-----END CERTIFICATE-----`, sha1Fingerprint: "00", commonName: `C=US,O=Google\\, Inc,CN=Google Cloud SQL Server CA` }],
  }),
  "gcp:redis/instance:Instance": (name, inputs) => ({
    host: "10.100.200.4",
    // Memorystore serves TLS on 6378 when transit encryption is on, 6379 otherwise.
    port: inputs.transitEncryptionMode === "SERVER_AUTHENTICATION" ? 6378 : 6379,
    authString: "mock-auth",
    serverCaCerts: [{ cert: "-----BEGIN CERTIFICATE-----\nMOCK\n-----END CERTIFICATE-----", sha1Fingerprint: "00", serialNumber: "1" }],
    currentLocationId: `${inputs.region ?? "us-central1"}-a`,
  }),
  "gcp:container/nodePool:NodePool": (name, inputs) => ({ name: inputs.name ?? name, instanceGroupUrls: [] }),
  "gcp:kms/keyRing:KeyRing": (name, inputs) => ({ id: `projects/project/locations/${inputs.location}/keyRings/${inputs.name ?? name}` }),
  "gcp:storage/bucket:Bucket": (name, inputs) => ({ name: inputs.name ?? name, url: `gs://${inputs.name ?? name}`, selfLink: `https://www.googleapis.com/storage/v1/b/${inputs.name ?? name}` }),
  "gcp:compute/router:Router": (name, inputs) => ({ name: inputs.name ?? name }),
  "gcp:compute/globalAddress:GlobalAddress": (name, inputs) => ({ name: inputs.name ?? name }),
  // A registry answers a push with the manifest's digest: here a hash of what was asked for.
  "docker-build:index:Image": (name, inputs) => ({ digest: `sha256:${createHash("sha256").update(JSON.stringify([name, inputs.tags, inputs.buildArgs])).digest("hex")}` }),
  "aws:ecr/repository:Repository": (name, inputs) => ({
    repositoryUrl: `${AWS_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/${inputs.name ?? name}`,
    registryId: AWS_ACCOUNT,
    arn: `arn:aws:ecr:us-east-1:${AWS_ACCOUNT}:repository/${inputs.name ?? name}`,
  }),
  "gcp:artifactregistry/repository:Repository": (name, inputs) => ({ repositoryId: inputs.repositoryId ?? name, name: `projects/project/locations/${inputs.location}/repositories/${inputs.repositoryId ?? name}` }),
  "gcp:kms/cryptoKey:CryptoKey": (name, inputs) => ({ id: `${inputs.keyRing ?? "ring"}/cryptoKeys/${inputs.name ?? name}` }),
  "gcp:storage/hmacKey:HmacKey": (name) => ({ accessId: `GOOG1E${name.toUpperCase()}`, secret: "mock-hmac-secret" }),
  "gcp:serviceaccount/account:Account": (name, inputs) => ({
    email: `${inputs.accountId ?? name}@project.iam.gserviceaccount.com`,
    name: `projects/project/serviceAccounts/${inputs.accountId ?? name}@project.iam.gserviceaccount.com`,
  }),
  "random:index/randomPassword:RandomPassword": (name, inputs) => ({ result: mockRandom(name, Number(inputs.length ?? 32)) }),
  "random:index/randomString:RandomString": (name, inputs) => ({ result: mockRandom(name, Number(inputs.length ?? 32)) }),
  "random:index/randomBytes:RandomBytes": (name, inputs) => ({
    base64: Buffer.from(mockRandom(name, Number(inputs.length ?? 32))).toString("base64"),
    hex: Buffer.from(mockRandom(name, Number(inputs.length ?? 32))).toString("hex"),
  }),
  // A real Ed25519 key (deterministic per resource name) in the PKCS#8 PEM the tls provider returns.
  // RSA (the LI key pair): a real key of the asked size, made once per resource name and process.
  "tls:index/privateKey:PrivateKey": (name, inputs) => (inputs.algorithm === "ED25519" ? mockEd25519(name) : inputs.algorithm === "RSA" ? mockRsa(name, Number(inputs.rsaBits ?? 2048)) : {}),
  "random:index/randomId:RandomId": (name) => ({ hex: Buffer.from(name).toString("hex").slice(0, 16), b64Url: Buffer.from(name).toString("base64url") }),
};

/** A stable 1..250 number from a name (mock private IPs). */
function mockOctet(seed: string): number {
  let h = 0;
  for (const c of seed) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return (h % 250) + 1;
}

/** Ed25519 key whose 32-byte seed is sha256(name): RFC 8410 PKCS#8 DER prefix + seed. */
export function mockEd25519(name: string): State {
  const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), createHash("sha256").update(name).digest()]);
  const key = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  return {
    privateKeyPem: key.export({ format: "pem", type: "pkcs8" }).toString(),
    publicKeyPem: createPublicKey(key).export({ format: "pem", type: "spki" }).toString(),
  };
}

/** An RSA key in the PEMs the tls provider returns (random, kept per clone: stacks/mock-rsa-keys.ts). */
export function mockRsa(name: string, bits: number): State {
  return { ...mockRsaKey(name, bits) };
}

/** Deterministic stand-in for a random value (so plans are reproducible). */
export function mockRandom(seed: string, length: number): string {
  let out = "";
  let h = 2166136261;
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  while (out.length < length) {
    for (const c of seed + out.length) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
    out += alphabet[h % alphabet.length];
  }
  return out;
}

/**
 * What a read (`X.get(name, id)`) finds in the mock cluster. CustomResourceDefinitions: the
 * cluster an existing add-on runs in serves every kind the program writes of it (the check of
 * a CRD that does not is tested on its own: tests/platform/existing-addons.test.ts).
 */
export function readState(type: string, id: string): State {
  if (type !== "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition") throw new Error(`the mock engine cannot read ${type} ${id}`);
  const kinds = ADDON_NAMES.flatMap((a) => ADDONS[a].crds as readonly CrdKind[]).filter((c) => `${c.plural}.${c.group}` === id);
  if (kinds.length === 0) throw new Error(`the mock cluster has no CRD ${id}`);
  return {
    apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: id },
    spec: { group: kinds[0].group, names: { kind: kinds[0].kind, plural: kinds[0].plural }, versions: kinds.map((c) => ({ name: c.version, served: true, storage: true })) },
  };
}

export function mockState(type: string, name: string, inputs: State): State {
  const extra = STATE_BY_TYPE[type]?.(name, inputs) ?? {};
  return { ...inputs, ...extra };
}

const CALLS: Record<string, (inputs: State) => State> = {
  "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({
    names: ["us-east-1a", "us-east-1b", "us-east-1c"],
    zoneIds: ["use1-az1", "use1-az2", "use1-az4"],
    id: "us-east-1",
  }),
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({ accountId: AWS_ACCOUNT, arn: `arn:aws:iam::${AWS_ACCOUNT}:user/mock`, userId: "mock", id: AWS_ACCOUNT }),
  "aws:index/getRegion:getRegion": () => ({ name: "us-east-1", region: "us-east-1", id: "us-east-1" }),
  "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" }),
  "gcp:compute/getZones:getZones": () => ({ names: ["us-central1-a", "us-central1-b", "us-central1-c"], id: "zones" }),
  "aws:ecr/getAuthorizationToken:getAuthorizationToken": (inputs) => ({
    proxyEndpoint: `https://${inputs.registryId ?? AWS_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`,
    userName: "AWS",
    password: "mock-ecr-token",
    authorizationToken: Buffer.from("AWS:mock-ecr-token").toString("base64"),
    expiresAt: "2026-12-02T00:00:00Z",
    id: String(inputs.registryId ?? AWS_ACCOUNT),
  }),
  "gcp:organizations/getClientConfig:getClientConfig": () => ({ accessToken: "mock-gcp-access-token", project: "project", region: "us-central1", zone: "us-central1-a", id: "client" }),
  "gcp:organizations/getProject:getProject": (inputs) => ({ number: "123456789", projectId: inputs.projectId ?? "project", id: "project" }),
};

export function mockCall(token: string, inputs: State): State {
  const handler = CALLS[token];
  if (!handler) throw new Error(`mock engine has no answer for invoke ${token}; add it to stacks/mock-outputs.ts`);
  return handler(inputs);
}
