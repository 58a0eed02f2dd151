/**
 * What the mock engine answers for provider-computed outputs and invokes. The mock echoes a
 * resource's inputs; resources whose outputs the program reads (endpoints, ARNs, kubeconfig
 * pieces) get the fields a real provider would return, in the real shape.
 */
type State = Record<string, unknown>;

const AWS_ACCOUNT = "123456789012";

const STATE_BY_TYPE: Record<string, (name: string, inputs: State) => State> = {
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
  "gcp:sql/databaseInstance:DatabaseInstance": (name) => ({ privateIpAddress: "10.10.0.3", connectionName: `p:r:${name}` }),
  "gcp:redis/instance:Instance": () => ({ host: "10.20.0.4", port: 6378, authString: "mock-auth" }),
  "gcp:kms/cryptoKey:CryptoKey": (name, inputs) => ({ id: `${inputs.keyRing ?? "ring"}/cryptoKeys/${name}` }),
  "gcp:storage/hmacKey:HmacKey": (name) => ({ accessId: `GOOG1E${name.toUpperCase()}`, secret: "mock-hmac-secret" }),
  "gcp:serviceaccount/account:Account": (name, inputs) => ({ email: `${inputs.accountId ?? name}@project.iam.gserviceaccount.com` }),
  "random:index/randomPassword:RandomPassword": (name, inputs) => ({ result: mockRandom(name, Number(inputs.length ?? 32)) }),
  "random:index/randomString:RandomString": (name, inputs) => ({ result: mockRandom(name, Number(inputs.length ?? 32)) }),
  "random:index/randomBytes:RandomBytes": (name, inputs) => ({
    base64: Buffer.from(mockRandom(name, Number(inputs.length ?? 32))).toString("base64"),
    hex: Buffer.from(mockRandom(name, Number(inputs.length ?? 32))).toString("hex"),
  }),
  "random:index/randomId:RandomId": (name) => ({ hex: Buffer.from(name).toString("hex").slice(0, 16), b64Url: Buffer.from(name).toString("base64url") }),
};

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
  "gcp:organizations/getProject:getProject": (inputs) => ({ number: "123456789", projectId: inputs.projectId ?? "project", id: "project" }),
};

export function mockCall(token: string, inputs: State): State {
  const handler = CALLS[token];
  if (!handler) throw new Error(`mock engine has no answer for invoke ${token}; add it to stacks/mock-outputs.ts`);
  return handler(inputs);
}
