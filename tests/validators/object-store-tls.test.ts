/**
 * TLS to the in-cluster object store, run by the real MinIO server, mc and boto3: MinIO serves a
 * certificate signed by a CA made here (as cert-manager's internal CA signs the tenant's), and the
 * clients configured exactly as the program renders them for a production existing-cluster stack
 * verify it: the bucket Job's configure.sh with its SSL_CERT_DIR, and the botocore config files
 * Synapse's media workers and (with LI) synapse-li read (ca_bundle). The same clients with another
 * CA are refused, so nothing reaches the store unverified.
 */
import { strict as assert } from "assert";
import { execFile } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { MINIO_KMS_KEY_NAME, MINIO_TLS_SECRET } from "../../components/data/minio";
import { OBJECT_STORE_CA_PATH } from "../../render/synapse";
import { PortAllocator } from "../../e2e/ports";
import { eventually, Supervisor } from "../../e2e/procs";
import { TOOL_CACHE } from "../../scripts/tool-cache";
import { unwrapSecrets } from "../../stacks/mock-engine";
import { ofType, runStack } from "../helpers/run-stack";

const run = promisify(execFile);
const PROVISION = path.resolve(__dirname, "../../scripts/provision.d/56-minio.sh");
const MINIO_VERSION = /^MINIO_MODULE_VERSION="([^"]+)"$/m.exec(fs.readFileSync(PROVISION, "utf8"))![1];
const BIN = path.join(TOOL_CACHE, `minio-${MINIO_VERSION}`);
const PYTHON = path.join(TOOL_CACHE, "synapse-venv", "bin", "python");

type Container = { name: string; env?: { name: string; value?: string }[]; volumeMounts?: { name: string; mountPath: string }[] };
type PodSpec = { containers: Container[]; volumes: { name: string; secret?: { secretName: string; items?: { key: string }[] } }[] };

/** A self-signed CA (ca.crt, ca.key) in `dir`. */
async function makeCa(dir: string, cn: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const o = (...args: string[]) => run("openssl", args, { cwd: dir });
  await o("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", `/CN=${cn}`, "-keyout", "ca.key", "-out", "ca.crt");
}

describe("object store TLS verified by the real MinIO, mc and boto3", function () {
  let sup: Supervisor;
  let dir: string;
  let endpoint: string;
  let jobEnv: Record<string, string>;
  let jobCaMount: string;
  let configure: string;
  let awsConfig: string;
  let liAwsConfig: string;
  const ports = new PortAllocator();

  const mcEnv = (caDir: string) => ({ PATH: `${BIN}:/usr/bin:/bin`, HOME: path.join(dir, "home"), ENDPOINT: endpoint, SSL_CERT_DIR: caDir });
  const mc = (caDir: string, ...args: string[]) => run(path.join(BIN, "mc"), args, { env: { ...mcEnv(caDir), MC_CONFIG_DIR: path.join(dir, "mc") }, timeout: 60_000 });
  const boto = (configFile: string) => run(PYTHON, ["-c", [
    "import boto3, sys",
    "s3 = boto3.session.Session(aws_access_key_id='tlsroot', aws_secret_access_key='tlsrootsecret').client('s3', endpoint_url=sys.argv[1], region_name='us-east-1')",
    "print(sorted(b['Name'] for b in s3.list_buckets()['Buckets']))",
  ].join("\n"), endpoint], { env: { PATH: "/usr/bin:/bin", HOME: path.join(dir, "home"), AWS_CONFIG_FILE: configFile }, timeout: 60_000 });

  before(async () => {
    for (const b of ["minio", "mc"]) if (!fs.existsSync(path.join(BIN, b))) throw new Error(`${BIN}/${b} is missing: run bash scripts/provision.sh (56-minio.sh builds it)`);
    if (!fs.existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run bash scripts/provision.sh (20-synapse.sh)`);
    const stack = await runStack("prod-existing-1k");
    const job = ofType(stack, "kubernetes:batch/v1:Job").find((j) => (j.inputs.metadata as { labels?: Record<string, string> }).labels?.["app.kubernetes.io/name"] === "minio-bucket-settings")!;
    const pod = (unwrapSecrets(job.inputs) as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
    const c = pod.containers[0];
    jobEnv = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? ""]));
    const caVolume = pod.volumes.find((v) => v.secret?.secretName === MINIO_TLS_SECRET)!;
    assert.deepEqual(caVolume.secret!.items!.map((i) => i.key), ["ca.crt"], "only the CA reaches the Job, not the servers' key");
    jobCaMount = c.volumeMounts!.find((m) => m.name === caVolume.name)!.mountPath;
    const settings = ofType(stack, "kubernetes:core/v1:ConfigMap").find((m) => (m.inputs.metadata as { name?: string }).name === "object-store-bucket-settings")!;
    const data = settings.inputs.data as Record<string, string>;
    configure = data["configure.sh"];
    awsConfig = (ofType(stack, "kubernetes:core/v1:ConfigMap").find((m) => (m.inputs.metadata as { name?: string }).name === "synapse-aws-config")!.inputs.data as Record<string, string>).config;
    // synapse-li reads LI's bucket on the same store (its config is in its own ConfigMap).
    const liStack = await runStack("prod-existing-1k", { li: "true", liInvestigatorCidrs: "203.0.113.0/24" });
    liAwsConfig = (ofType(liStack, "kubernetes:core/v1:ConfigMap").find((m) => (m.inputs.metadata as { name?: string }).name === "synapse-li-config")!.inputs.data as Record<string, string>)["aws-config"];

    dir = fs.mkdtempSync(path.join(os.tmpdir(), "minio-tls-"));
    for (const d of ["home", "mc", "settings", "env", "certs/CAs", "drives/d1", "drives/d2", "drives/d3", "drives/d4"]) fs.mkdirSync(path.join(dir, d), { recursive: true });
    for (const [file, text] of Object.entries(data)) fs.writeFileSync(path.join(dir, "settings", file), text);
    await makeCa(path.join(dir, "ca"), "test internal CA");
    await makeCa(path.join(dir, "other-ca"), "some other CA");
    // The server's certificate, signed by the internal CA, in MinIO's certs directory.
    const certs = path.join(dir, "certs");
    await run("openssl", ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost", "-keyout", path.join(certs, "private.key"), "-out", path.join(dir, "server.csr")]);
    fs.writeFileSync(path.join(dir, "ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    await run("openssl", ["x509", "-req", "-in", path.join(dir, "server.csr"), "-CA", path.join(dir, "ca", "ca.crt"), "-CAkey", path.join(dir, "ca", "ca.key"), "-CAcreateserial", "-days", "2", "-extfile", path.join(dir, "ext.cnf"), "-out", path.join(certs, "public.crt")]);
    // The CA dirs hold only ca.crt, as the Job's projected volume does.
    for (const d of ["ca", "other-ca"]) fs.rmSync(path.join(dir, d, "ca.key"));
    // Root credentials the test knows, and a KMS key: the script makes SSE-S3 the buckets' default.
    fs.writeFileSync(path.join(dir, "env", "config.env"), `export MINIO_ROOT_USER="tlsroot"\nexport MINIO_ROOT_PASSWORD="tlsrootsecret"\nexport MINIO_KMS_SECRET_KEY="${MINIO_KMS_KEY_NAME}:${randomBytes(32).toString("base64")}"\n`);

    sup = new Supervisor(Supervisor.freshRunDir());
    const port = await ports.take();
    const consolePort = await ports.take();
    endpoint = `https://localhost:${port}`;
    sup.start({
      name: "minio-tls",
      command: path.join(BIN, "minio"),
      args: ["server", "--certs-dir", certs, "--address", `127.0.0.1:${port}`, "--console-address", `127.0.0.1:${consolePort}`, `${dir}/drives/d{1...4}`],
      env: { MINIO_CONFIG_ENV_FILE: path.join(dir, "env", "config.env"), MINIO_CI_CD: "1", HOME: path.join(dir, "home") },
    });
    await eventually("MinIO serving TLS", async () => {
      try { await mc(path.join(dir, "ca"), "alias", "set", "probe", endpoint, "tlsroot", "tlsrootsecret"); await mc(path.join(dir, "ca"), "ready", "probe"); return true; } catch { return undefined; }
    }, 60_000, 1000);
  });
  after(async () => {
    await sup?.stopAll();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("renders an https endpoint and a Job that trusts the CA through SSL_CERT_DIR, never --insecure", () => {
    assert.match(jobEnv.ENDPOINT, /^https:\/\/minio\.matrix-data\.svc\.cluster\.local$/);
    assert.equal(jobEnv.SSL_CERT_DIR, jobCaMount);
    assert.doesNotMatch(configure, /--insecure|--insecure-skip|insecure/);
  });

  it("the bucket Job's script configures the buckets over verified TLS with the internal CA", async () => {
    const script = configure.replaceAll("/env/", `${dir}/env/`).replaceAll("/settings/", `${dir}/settings/`).replaceAll("/tmp/mc", `${dir}/mc-job`);
    fs.writeFileSync(path.join(dir, "configure.sh"), script);
    await run("sh", [path.join(dir, "configure.sh")], { env: mcEnv(path.join(dir, "ca")), timeout: 120_000 });
    const { stdout } = await mc(path.join(dir, "ca"), "ls", "probe");
    assert.match(stdout, /synapse-media/);
    assert.match(stdout, /matrix-backups/);
  });

  it("mc with another CA is refused by certificate verification", async () => {
    await assert.rejects(mc(path.join(dir, "other-ca"), "ls", "probe"), (e: { stderr?: string; stdout?: string }) => /certificate|x509|tls/i.test(`${e.stderr}${e.stdout}`));
  });

  it("boto3 with the rendered botocore config (ca_bundle) verifies the store; with another CA it refuses", async () => {
    assert.ok(awsConfig.includes(`ca_bundle = ${OBJECT_STORE_CA_PATH}`), awsConfig);
    const good = path.join(dir, "aws-good");
    fs.writeFileSync(good, awsConfig.replace(OBJECT_STORE_CA_PATH, path.join(dir, "ca", "ca.crt")));
    const { stdout } = await boto(good);
    assert.match(stdout, /synapse-media/);
    const bad = path.join(dir, "aws-bad");
    fs.writeFileSync(bad, awsConfig.replace(OBJECT_STORE_CA_PATH, path.join(dir, "other-ca", "ca.crt")));
    await assert.rejects(boto(bad), (e: { stderr?: string }) => /SSL|CERTIFICATE_VERIFY_FAILED|certificate verify failed/i.test(String(e.stderr)));
  });

  it("boto3 with synapse-li's rendered botocore config verifies the store the same way; with another CA it refuses", async () => {
    assert.ok(liAwsConfig?.includes(`ca_bundle = ${OBJECT_STORE_CA_PATH}`), String(liAwsConfig));
    const good = path.join(dir, "aws-li-good");
    fs.writeFileSync(good, liAwsConfig.replace(OBJECT_STORE_CA_PATH, path.join(dir, "ca", "ca.crt")));
    assert.match((await boto(good)).stdout, /synapse-media/);
    const bad = path.join(dir, "aws-li-bad");
    fs.writeFileSync(bad, liAwsConfig.replace(OBJECT_STORE_CA_PATH, path.join(dir, "other-ca", "ca.crt")));
    await assert.rejects(boto(bad), (e: { stderr?: string }) => /SSL|CERTIFICATE_VERIFY_FAILED|certificate verify failed/i.test(String(e.stderr)));
  });
});
