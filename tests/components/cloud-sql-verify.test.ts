/**
 * On GCP, Synapse and synapse-li verify Cloud SQL's server certificate against the instance's
 * server CA (verify-ca: the certificate names the instance, not the private address they dial),
 * under the mock engine: the rendered sslmode and sslrootcert, the file traced to the ConfigMap
 * holding the instance's serverCaCerts. (tests/components/database-clients-tls.test.ts holds every other client to the same.)
 */
import { strict as assert } from "assert";
import { parse as parseYaml } from "yaml";
import { unwrapSecrets, type RecordedResource } from "../../stacks/mock-engine";
import { LI_ON, ofType, runStack } from "../helpers/run-stack";

type Obj = Record<string, any>;
const meta = (r: RecordedResource) => r.inputs.metadata as Obj;

describe("Cloud SQL: Synapse and synapse-li verify the server CA", function () {
  it("prod-gcp-1k: verify-ca with the instance's server CA as sslrootcert, from a ConfigMap in each namespace", async () => {
    const run = await runStack("prod-gcp-1k", LI_ON);
    const hs = parseYaml((ofType(run, "kubernetes:core/v1:ConfigMap").find((c) => (c.inputs.data as Obj)?.["homeserver.yaml"])!.inputs.data as Obj)["homeserver.yaml"]);
    assert.equal(hs.database.args.sslmode, "verify-ca");
    const checkPods = (namespace: string, objectName: string, caFile: string) => {
      const map = ofType(run, "kubernetes:core/v1:ConfigMap").find((c) => meta(c).name === objectName && meta(c).namespace === namespace);
      assert.ok(map, `ConfigMap ${namespace}/${objectName}`);
      assert.match(String((unwrapSecrets(map.inputs.data) as Obj)["ca.crt"]), /^-----BEGIN CERTIFICATE-----/, `the instance's server CA: ${JSON.stringify(map.inputs.data)}`);
      const pods = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet"].flatMap((t) => ofType(run, t))
        .filter((r) => meta(r).namespace === namespace)
        .map((r) => (r.inputs.spec as Obj).template.spec as Obj)
        .filter((p) => (p.volumes as Obj[]).some((v) => (v.projected?.sources ?? []).some((s: Obj) => s.configMap?.name === objectName)));
      assert.ok(pods.length > 0, `pods in ${namespace} mount ${objectName}`);
      for (const p of pods) {
        const vol = (p.volumes as Obj[]).find((v) => (v.projected?.sources ?? []).some((s: Obj) => s.configMap?.name === objectName))!;
        const mount = (p.containers as Obj[]).flatMap((c) => c.volumeMounts as Obj[]).find((m) => m.name === vol.name)!;
        assert.equal(`${mount.mountPath}/ca.crt`, caFile);
      }
      return { pods: pods.length, ca: String((unwrapSecrets(map.inputs.data) as Obj)["ca.crt"]) };
    };
    // The mock engine gives each instance a server CA naming it: which instance a CA is from.
    const instanceOf = (ca: string) => /MOCK-(\S+)/.exec(ca)?.[1];
    const synapse = checkPods("matrix", "synapse-database-ca", hs.database.args.sslrootcert);
    assert.ok(synapse.pods > 3, "every Synapse process");
    const instances = ofType(run, "gcp:sql/databaseInstance:DatabaseInstance").map((r) => String(r.inputs.name));
    assert.ok(instances.includes(instanceOf(synapse.ca)!), `main's CA is an instance's: ${synapse.ca}`);
    const liDb = ofType(run, "kubernetes:core/v1:Secret").find((s) => meta(s).namespace === "matrix-li" && (unwrapSecrets(s.inputs.stringData) as Obj | undefined)?.["database.yaml"]);
    const liArgs = parseYaml((unwrapSecrets(liDb!.inputs.stringData) as Obj)["database.yaml"]).database.args;
    assert.equal(liArgs.sslmode, "verify-ca");
    const li = checkPods("matrix-li", "synapse-li-database-ca", liArgs.sslrootcert);
    assert.ok(instances.includes(instanceOf(li.ca)!) && instanceOf(li.ca) !== instanceOf(synapse.ca), "synapse-li trusts LI's own instance's CA, not main's");
  });
});
