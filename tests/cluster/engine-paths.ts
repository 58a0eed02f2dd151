import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";

/**
 * Where scripts/provision.d/70-engine.sh put the real engine: the Pulumi CLI and plugins, the
 * Kubernetes binaries and kwok, under the tool cache (engine-bin points at the versioned set).
 */
export function engineBin(): string {
  const cache = process.env.PROJECT_CACHE ?? path.join(os.homedir(), ".cache", "matrix-platform");
  const bin = path.join(cache, "engine-bin");
  for (const tool of ["pulumi", "pulumi-language-nodejs", "pulumi-resource-kubernetes", "pulumi-resource-random", "pulumi-resource-tls", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl", "kwok"]) {
    if (!fs.existsSync(path.join(bin, tool))) throw new Error(`${path.join(bin, tool)} is missing: run scripts/provision.sh (its 70-engine.sh step builds the real engine)`);
  }
  return bin;
}

/** etcd 3.6, built beside the engine by 70-engine.sh (Debian's 3.4 is too old for kube-apiserver's watch lists). */
export function etcdBinary(): string {
  const etcd = path.join(engineBin(), "etcd");
  if (!fs.existsSync(etcd)) throw new Error(`${etcd} is missing: run scripts/provision.sh (its 70-engine.sh step builds etcd)`);
  return etcd;
}

/** The Go module cache's copy of a module (downloaded on first use; the proxy serves it). */
export function goModuleDir(moduleAtVersion: string): string {
  const out = execFileSync("go", ["mod", "download", "-json", moduleAtVersion], { cwd: os.tmpdir(), encoding: "utf8" });
  const info = JSON.parse(out) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${moduleAtVersion}: ${info.Error ?? "no directory"}`);
  return info.Dir;
}

/** The shared engine folder (its crds.sh applies the operators' CRDs). */
export function engineSources(): string {
  return process.env.MP_ENGINE_DIR ?? "/work/shared/engine";
}

/** The kwok version the engine build pins (its KEY line), so its stage definitions match the binary. */
export function kwokModule(): string {
  const build = fs.readFileSync(path.join(engineSources(), "build.sh"), "utf8");
  const m = /kwok@(v[0-9.]+)/.exec(build);
  if (!m) throw new Error(`no kwok@<version> in ${engineSources()}/build.sh`);
  return `sigs.k8s.io/kwok@${m[1]}`;
}
