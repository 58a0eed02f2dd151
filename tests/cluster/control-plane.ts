import * as fs from "fs";
import * as path from "path";
import { spawn, execFile, type ChildProcess } from "child_process";
import { promisify } from "util";
import { freePort } from "../helpers/free-port";
import { runProcess } from "./run-process";
import { engineBin, engineSources, etcdBinary, goModuleDir, kwokModule } from "./engine-paths";

const execFileAsync = promisify(execFile);

/**
 * A loopback Kubernetes control plane of real binaries: etcd, kube-apiserver (PodSecurity
 * admission on, RBAC, token auth), kube-controller-manager (every controller a cluster without a
 * cloud runs, node lifecycle included, so taints follow node conditions), kube-scheduler, and
 * kwok, which plays the kubelet of simulated nodes (node heartbeat, pod status: ready, Job pods
 * completing, deletions). Every port is the kernel's pick, so several run at once.
 */
export interface ControlPlane {
  dir: string;
  kubeconfig: string;
  /** kubectl against this cluster; rejects with its stderr. */
  kubectl(args: string[], input?: string): Promise<string>;
  stop(): Promise<void>;
}

interface Ports { etcdClient: number; etcdPeer: number; apiserver: number; kcm: number; scheduler: number; kwok: number }

export async function startControlPlane(dir: string): Promise<ControlPlane> {
  const bin = engineBin();
  const pki = path.join(dir, "pki");
  const logs = path.join(dir, "logs");
  fs.mkdirSync(pki, { recursive: true });
  fs.mkdirSync(logs, { recursive: true });
  const ports: Ports = { etcdClient: await freePort(), etcdPeer: await freePort(), apiserver: await freePort(), kcm: await freePort(), scheduler: await freePort(), kwok: await freePort() };
  const token = await writePki(pki);
  const kubeconfig = path.join(dir, "kubeconfig");
  fs.writeFileSync(kubeconfig, kubeconfigText(ports.apiserver, path.join(pki, "ca.crt"), token), { mode: 0o600 });

  const children: ChildProcess[] = [];
  // A test process that dies (or is killed by mocha's timeout) takes its control plane with it.
  process.once("exit", () => children.forEach((c) => c.exitCode === null && c.kill("SIGKILL")));
  const start = (name: string, cmd: string, args: string[]) => {
    const out = fs.openSync(path.join(logs, `${name}.log`), "a");
    const child = spawn(cmd, args, { stdio: ["ignore", out, out], detached: false });
    fs.closeSync(out);
    children.push(child);
    return child;
  };
  const kubectl = async (args: string[], input?: string): Promise<string> => {
    const r = await runProcess(path.join(bin, "kubectl"), ["--kubeconfig", kubeconfig, ...args], { input });
    if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr.trim() || r.stdout.trim()}`);
    return r.stdout;
  };
  const stop = async () => {
    for (const c of [...children].reverse()) {
      if (c.exitCode !== null) continue;
      c.kill("SIGTERM");
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { c.kill("SIGKILL"); resolve(); }, 15000);
        c.once("exit", () => { clearTimeout(t); resolve(); });
      });
    }
  };

  try {
    const etcdUrl = `http://127.0.0.1:${ports.etcdClient}`;
    start("etcd", etcdBinary(), [
      "--name", "loopback", "--data-dir", path.join(dir, "etcd-data"),
      "--listen-client-urls", etcdUrl, "--advertise-client-urls", etcdUrl,
      "--listen-peer-urls", `http://127.0.0.1:${ports.etcdPeer}`, "--initial-advertise-peer-urls", `http://127.0.0.1:${ports.etcdPeer}`,
      "--initial-cluster", `loopback=http://127.0.0.1:${ports.etcdPeer}`,
      // The suite's volume and pod churn is small; a smaller snapshot cadence keeps etcd's memory low.
      "--snapshot-count", "10000",
    ]);
    await waitFor(`etcd on ${etcdUrl}`, 60, async () => (await fetch(`${etcdUrl}/health`)).ok);
    start("kube-apiserver", path.join(bin, "kube-apiserver"), [
      `--etcd-servers=${etcdUrl}`, "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", `--secure-port=${ports.apiserver}`,
      `--tls-cert-file=${pki}/apiserver.crt`, `--tls-private-key-file=${pki}/apiserver.key`, `--client-ca-file=${pki}/ca.crt`,
      `--token-auth-file=${pki}/tokens.csv`, "--authorization-mode=Node,RBAC",
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${pki}/sa.pub`, `--service-account-signing-key-file=${pki}/sa.key`,
      "--service-cluster-ip-range=10.96.0.0/16", `--cert-dir=${pki}/generated`,
      "--enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,DefaultStorageClass,ResourceQuota,PodSecurity,MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ValidatingAdmissionPolicy",
    ]);
    await waitFor("kube-apiserver /readyz", 180, async () => {
      await kubectl(["get", "--raw", "/readyz"]);
      return true;
    });
    const common = [`--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`, "--bind-address=127.0.0.1", "--leader-elect=false"];
    start("kube-controller-manager", path.join(bin, "kube-controller-manager"), [
      ...common, `--secure-port=${ports.kcm}`,
      `--service-account-private-key-file=${pki}/sa.key`, `--root-ca-file=${pki}/ca.crt`, "--use-service-account-credentials=true",
      // No cloud: no node IPAM, cloud node lifecycle, load balancers or routes.
      "--controllers=*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-route",
    ]);
    start("kube-scheduler", path.join(bin, "kube-scheduler"), [...common, `--secure-port=${ports.scheduler}`]);
    start("kwok", path.join(bin, "kwok"), [
      `--kubeconfig=${kubeconfig}`, ...kwokStageFiles().flatMap((f) => ["-c", f]),
      `--manage-nodes-with-annotation-selector=${SIMULATED_NODE_ANNOTATION}=fake`,
      "--cidr=10.244.0.0/16", "--node-ip=10.0.0.1", `--server-address=127.0.0.1:${ports.kwok}`,
      // Nodes renew a Lease, as kubelets do: node lifecycle reads node health from it.
      "--node-lease-duration-seconds=40",
    ]);
    await applyCrds(bin, kubeconfig, logs);
    await waitFor("the default ServiceAccount", 60, async () => {
      await kubectl(["get", "serviceaccount", "default", "-n", "default"]);
      return true;
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { dir, kubeconfig, kubectl, stop };
}

/** The annotation kwok's nodes carry: kwok manages only nodes that have it. */
export const SIMULATED_NODE_ANNOTATION = "kwok.x-k8s.io/node";

/**
 * kwok's own stage definitions from its module: nodes initialise and renew their lease; pods
 * become ready at once, Job pods complete, deleted pods go. The fast set (no delays) keeps a
 * preset's hundreds of pods quick.
 */
function kwokStageFiles(): string[] {
  const stages = path.join(goModuleDir(kwokModule()), "kustomize", "stage");
  return [
    "node/fast/node-initialize.yaml", "node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
    "pod/fast/pod-ready.yaml", "pod/fast/pod-complete.yaml", "pod/fast/pod-delete.yaml",
  ].map((f) => path.join(stages, f));
}

/** The operators' CRDs from their pinned Go modules (the engine folder's crds.sh). */
async function applyCrds(bin: string, kubeconfig: string, logs: string): Promise<void> {
  const { stdout, stderr } = await execFileAsync("bash", [path.join(engineSources(), "crds.sh")], {
    env: { ...process.env, KUBECTL: path.join(bin, "kubectl"), KUBECONFIG: kubeconfig },
    maxBuffer: 64 * 1024 * 1024,
  });
  fs.writeFileSync(path.join(logs, "crds.log"), stdout + stderr);
}

async function writePki(pki: string): Promise<string> {
  const ssl = (args: string[]) => execFileAsync("openssl", args);
  await ssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=loopback-ca", "-keyout", `${pki}/ca.key`, "-out", `${pki}/ca.crt`]);
  await ssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=kube-apiserver", "-keyout", `${pki}/apiserver.key`, "-out", `${pki}/apiserver.csr`]);
  fs.writeFileSync(`${pki}/san.ext`, "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc\n");
  await ssl(["x509", "-req", "-in", `${pki}/apiserver.csr`, "-CA", `${pki}/ca.crt`, "-CAkey", `${pki}/ca.key`, "-CAcreateserial", "-days", "2", "-extfile", `${pki}/san.ext`, "-out", `${pki}/apiserver.crt`]);
  await ssl(["genrsa", "-out", `${pki}/sa.key`, "2048"]);
  await ssl(["rsa", "-in", `${pki}/sa.key`, "-pubout", "-out", `${pki}/sa.pub`]);
  const token = (await ssl(["rand", "-hex", "16"])).stdout.trim();
  fs.writeFileSync(`${pki}/tokens.csv`, `${token},admin,admin,system:masters\n`, { mode: 0o600 });
  return token;
}

function kubeconfigText(port: number, ca: string, token: string): string {
  return [
    "apiVersion: v1", "kind: Config",
    "clusters:", "- name: loopback", "  cluster:", `    server: https://127.0.0.1:${port}`, `    certificate-authority: ${ca}`,
    "users:", "- name: admin", "  user:", `    token: ${token}`,
    "contexts:", "- name: loopback", "  context: {cluster: loopback, user: admin}",
    "current-context: loopback", "",
  ].join("\n");
}

/** Polls `check` once a second until it returns true (errors count as not yet) or `seconds` pass. */
export async function waitFor(what: string, seconds: number, check: () => Promise<boolean>): Promise<void> {
  let last = "";
  for (let i = 0; i < seconds; i++) {
    try {
      if (await check()) return;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`timed out after ${seconds} s waiting for ${what}${last ? `: ${last}` : ""}`);
}
