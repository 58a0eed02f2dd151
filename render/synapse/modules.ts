/**
 * Python packages the Synapse image lacks and the media workers load: the S3 storage provider and
 * the parts of its dependency tree the image does not already ship (Twisted, psycopg2, PyYAML
 * come with Synapse). Installed `--no-deps` into a scratch directory by an init container, so
 * nothing the image provides is shadowed. The same pins are in scripts/provision.d/20-synapse.sh,
 * whose venv the real config checks run in (a test holds the two lists together).
 */
export const S3_PROVIDER_PACKAGES: Readonly<Record<string, string>> = {
  "synapse-s3-storage-provider": "1.7.0",
  boto3: "1.44.5",
  botocore: "1.44.5",
  s3transfer: "0.19.3",
  jmespath: "1.1.0",
  "python-dateutil": "2.9.0.post0",
  six: "1.17.0",
  urllib3: "2.8.0",
  humanize: "4.17.0",
  tqdm: "4.70.1",
};

/** `name==version` requirement strings. */
export function s3ProviderRequirements(): string[] {
  return Object.entries(S3_PROVIDER_PACKAGES).map(([n, v]) => `${n}==${v}`);
}

/** Where the media workers find the extra modules (PYTHONPATH). */
export const SYNAPSE_MODULES_DIR = "/opt/synapse-modules";
