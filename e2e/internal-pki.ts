/**
 * A throw-away internal CA for loopback runs and tests, made with openssl the way cert-manager
 * issues the cluster's (ECDSA P-256 keys, a CA certificate, leaf certificates with one extended
 * key usage). Leaf keys are written as `<name>.crt.key` beside `<name>.crt`, where HAProxy looks
 * for the key of a certificate file without one (the layout the pods mount, components/matrix/mtls.ts).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

function openssl(args: string[], cwd: string): void {
  const r = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
}

export interface Pki {
  dir: string;
  /** A self-signed CA: `<name>.crt` and `<name>.key`. */
  ca(name: string): void;
  /** `<name>.crt` and `<name>.crt.key`, signed by CA `ca`. */
  leaf(name: string, ca: string, cn: string, opts: { dns?: string[]; usage: "serverAuth" | "clientAuth" }): void;
  file(name: string): string;
}

export function pki(dir: string): Pki {
  fs.mkdirSync(dir, { recursive: true });
  const key = (name: string) => openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", `${name}.key`], dir);
  return {
    dir,
    file: (n) => path.join(dir, n),
    ca(name) {
      key(name);
      openssl(["req", "-x509", "-new", "-key", `${name}.key`, "-subj", `/CN=${name} internal CA`, "-days", "2", "-out", `${name}.crt`,
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], dir);
    },
    leaf(name, ca, cn, opts) {
      key(name);
      openssl(["req", "-new", "-key", `${name}.key`, "-subj", `/CN=${cn}`, "-out", `${name}.csr`], dir);
      const ext = [
        "basicConstraints=CA:FALSE",
        "keyUsage=critical,digitalSignature",
        `extendedKeyUsage=${opts.usage}`,
        ...(opts.dns ? [`subjectAltName=${opts.dns.map((d) => `DNS:${d}`).join(",")}`] : []),
      ].join("\n");
      fs.writeFileSync(path.join(dir, `${name}.ext`), ext + "\n");
      openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.crt`, "-CAkey", `${ca}.key`, "-CAcreateserial", "-days", "1", "-extfile", `${name}.ext`, "-out", `${name}.crt`], dir);
      fs.renameSync(path.join(dir, `${name}.key`), path.join(dir, `${name}.crt.key`));
    },
  };
}
