/**
 * Keys of the off-site backup copy (existing platform): a second S3-compatible endpoint that
 * receives every base backup and WAL segment CloudNativePG writes to the in-cluster MinIO, so a
 * lost cluster or site does not take its backups with it. ./offsite-backup.ts checks that they
 * come together and that production has them (or waives them explicitly).
 */
import { boolean, cidrList, pattern, plainHttpUrl, type ConfigKey } from "./key-kinds";

/** An http(s) URL of a host (name, IPv4 or [IPv6]) with an optional port and no user info, path, query or fragment. */
export function isEndpointUrl(raw: string): boolean {
  const url = plainHttpUrl(raw);
  return url !== undefined && (url.pathname === "/" || url.pathname === "") && raw === `${url.protocol}//${url.host}`;
}

/** S3 bucket naming rules: 3-63 lower-case letters, digits, '.' and '-', starting and ending with a letter or digit. */
const BUCKET = /^(?!\d+\.\d+\.\d+\.\d+$)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export const OFFSITE_BACKUP_CONFIG_KEYS = {
  offsiteBackupEndpoint: {
    type: "string",
    allowed: "an http(s):// URL of the S3-compatible endpoint, such as https://s3.eu-central-1.amazonaws.com or https://backup.dc2.example.com:9000, with no path and no user name or password in it",
    parse: (raw: string) => (isEndpointUrl(raw) ? raw : undefined),
    description: "S3-compatible endpoint outside the cluster that receives a copy of every PostgreSQL base backup and WAL segment (existing platform). Required in production unless offsiteBackupWaived is true.",
  },
  offsiteBackupBucket: pattern(BUCKET, "an S3 bucket name: 3-63 lower-case letters, digits, '.' and '-', starting and ending with a letter or digit", "Bucket at offsiteBackupEndpoint for the copy; the layout under it is the in-cluster one (cnpg/<cluster>/...), so a CloudNativePG recovery reads it as it is."),
  offsiteBackupRegion: pattern(/^[a-z0-9][a-z0-9-]{0,31}$/, "a region name such as us-east-1 or eu-central-1 (lower-case letters, digits and '-')", "Region the off-site endpoint signs requests for. Default us-east-1."),
  offsiteBackupCidrs: cidrList("IPv4 ranges the off-site endpoint's address is in, so the copy Job's egress is opened to them only. Default: the public internet (private ranges excluded), for a cloud endpoint; set it for an endpoint in another data center."),

  offsiteBackupAccessKeyId: { ...pattern(/^\S{3,128}$/, "an access key ID without spaces (set it with `pulumi config set --secret`)", "Access key ID at the off-site endpoint, allowed to write the bucket (secret)."), secret: true as const },
  offsiteBackupSecretAccessKey: { ...pattern(/^\S{8,256}$/, "a secret access key without spaces, at least 8 characters (set it with `pulumi config set --secret`)", "Secret access key at the off-site endpoint (secret)."), secret: true as const },
  offsiteBackupWaived: boolean("Production on an existing cluster without an off-site backup copy: true acknowledges that the backups share the cluster's failure domain (for example when the site copies MinIO's volumes elsewhere itself). Default false."),
} satisfies Record<string, ConfigKey<unknown>>;
