/** IAM documents the AWS platform writes: pure, so their shape is tested without Pulumi. */

/** Trust policy letting an AWS service (eks.amazonaws.com, ec2.amazonaws.com, ...) assume a role. */
export function serviceTrustPolicy(service: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: ["sts:AssumeRole", "sts:TagSession"] }],
  });
}

/**
 * IRSA trust policy: only the one Kubernetes ServiceAccount `namespace/serviceAccount`, with the
 * STS audience, may assume the role through the cluster's OIDC provider.
 */
export function irsaTrustPolicy(oidcProviderArn: string, oidcHost: string, namespace: string, serviceAccount: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{
      Effect: "Allow",
      Principal: { Federated: oidcProviderArn },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: { StringEquals: { [`${oidcHost}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`, [`${oidcHost}:aud`]: "sts.amazonaws.com" } },
    }],
  });
}
