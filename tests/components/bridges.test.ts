/**
 * The whole program under the mock engine with the bridges on and off: what the bridges deploy,
 * that their configs and Synapse's registrations come from one source, and that switching them
 * off (or an account count of 0) leaves nothing of them — no pods, registrations, databases or
 * references.
 */
import { strict as assert } from "assert";
import { parse } from "yaml";
import { isSecretValue, type RecordedResource } from "../../stacks/mock-engine";
import { podSecurityViolations } from "../../components/k8s/pod-security-check";
import { imageRef } from "../../catalog/images";
import { size } from "../../sizing";
import { ofType, runStack, type StackRun } from "../helpers/run-stack";

type Obj = Record<string, any>;
const TELEGRAM = { telegramApiId: "123456", telegramApiHash: "0123456789abcdef0123456789abcdef" };
const ON = { bridges: "true", ...TELEGRAM, bridgeAdmins: "@ops:dev.example.com" };

const named = (run: StackRun, type: string, name: string) => ofType(run, type).find((r) => (r.inputs.metadata as Obj)?.name === name);
const secretText = (r: RecordedResource | undefined, key: string): string => {
  const data = r?.inputs.stringData as Obj;
  assert.ok(isSecretValue(data), `${r?.name} stringData is marked secret`);
  return (data.value as Obj)[key];
};
const mentions = (run: StackRun, re: RegExp) => run.resources.filter((r) => re.test(JSON.stringify(r.inputs)) || re.test(r.name)).map((r) => `${r.type} ${r.name}`);

describe("the bridges in the whole program", function () {
  this.timeout(600_000);

  describe("switched on (dev stack, 100 accounts each)", () => {
    let run: StackRun;
    before(async () => (run = await runStack("dev", ON)));

    for (const network of ["telegram", "whatsapp"] as const) {
      const svc = `mautrix-${network}`;
      it(`${svc}: one StatefulSet pod, restricted, probed, sized by accounts, image from the catalogue`, () => {
        const sts = named(run, "kubernetes:apps/v1:StatefulSet", svc)!;
        assert.ok(sts, "StatefulSet");
        const spec = sts.inputs.spec as Obj;
        assert.equal(spec.replicas, 1);
        const pod = spec.template.spec;
        assert.deepEqual(podSecurityViolations(pod, "restricted"), [], "restricted pod security");
        const c = pod.containers[0];
        assert.equal(c.image, imageRef(network === "telegram" ? "mautrixTelegram" : "mautrixWhatsapp"));
        assert.deepEqual(c.command.slice(1), ["-n", "-c", "/etc/mautrix/config.yaml"]);
        assert.equal(c.startupProbe.httpGet.path, "/_matrix/mau/live");
        assert.ok(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold >= 600, "start-up budget covers a history sync");
        assert.equal(c.readinessProbe.httpGet.path, "/_matrix/mau/ready");
        const sized = size(run.spec).components[network].resources;
        assert.equal(c.resources.requests.cpu, `${sized.cpuRequestMillis}m`);
        assert.equal(c.resources.limits.memory, `${sized.memoryLimitMi}Mi`);
        assert.ok(Object.values(pod.nodeSelector).includes("bridge"), JSON.stringify(pod.nodeSelector));
        assert.ok(named(run, "kubernetes:policy/v1:PodDisruptionBudget", svc), "PDB");
      });

      it(`${svc}: its config is the registration Synapse loads, from one source, in a Secret`, () => {
        const cfg = parse(secretText(named(run, "kubernetes:core/v1:Secret", `${svc}-config`), "config.yaml"));
        const reg = parse(secretText(named(run, "kubernetes:core/v1:Secret", "synapse-appservices"), `${network}-registration.yaml`));
        assert.equal(cfg.appservice.id, reg.id);
        assert.equal(cfg.appservice.as_token, reg.as_token);
        assert.equal(cfg.appservice.hs_token, reg.hs_token);
        assert.equal(cfg.appservice.address, reg.url);
        assert.ok(reg.namespaces.users.some((n: Obj) => new RegExp(n.regex).test(`@${cfg.appservice.bot.username}:dev.example.com`)));
        assert.ok(reg.namespaces.users.some((n: Obj) => new RegExp(n.regex).test(`@${cfg.appservice.username_template.replace("{{.}}", "123")}:dev.example.com`)));
        // Double puppeting through the shared registration's token; encryption on with a generated pickle key.
        const dp = parse(secretText(named(run, "kubernetes:core/v1:Secret", "synapse-appservices"), "doublepuppet-registration.yaml"));
        assert.equal(cfg.double_puppet.secrets["dev.example.com"], `as_token:${dp.as_token}`);
        assert.equal(dp.url, null);
        assert.equal(cfg.encryption.allow && cfg.encryption.default, true);
        assert.ok(cfg.encryption.pickle_key.length >= 32 && cfg.encryption.pickle_key !== "generate");
        assert.ok(cfg.provisioning.shared_secret.length >= 32 && cfg.provisioning.shared_secret !== "generate");
        assert.deepEqual(cfg.bridge.permissions, { "dev.example.com": "user", "@ops:dev.example.com": "admin" });
        assert.match(cfg.homeserver.address, /^http:\/\/haproxy\.matrix\.svc\.cluster\.local:8008$/);
        // The internal CA's CloudNativePG: verify-full against its CA, mounted where the URI names it.
        assert.match(cfg.database.uri, new RegExp(`^postgres://mautrix_${network}:[^@]+@[^/]+/mautrix_${network}\\?sslmode=verify-full&sslrootcert=/etc/mautrix-database-ca/ca.crt$`));
        const pod = (named(run, "kubernetes:apps/v1:StatefulSet", svc)!.inputs.spec as Obj).template.spec;
        const mount = (pod.containers[0].volumeMounts as Obj[]).find((m) => m.mountPath === "/etc/mautrix-database-ca")!;
        const vol = (pod.volumes as Obj[]).find((v) => v.name === mount.name)!;
        assert.deepEqual(vol.projected.sources, [{ secret: { name: `${svc}-database-ca`, items: [{ key: "ca.crt", path: "ca.crt" }] } }]);
        const issuerOf = (secretName: string) => (ofType(run, "kubernetes:cert-manager.io/v1:Certificate").find((c) => (c.inputs.spec as Obj).secretName === secretName)!.inputs.spec as Obj).issuerRef;
        assert.deepEqual(issuerOf(`${svc}-database-ca`), issuerOf("matrix-pg-server-tls"), "a trust Certificate from the issuer of the server's certificate");
        assert.deepEqual(cfg.logging.writers, [{ type: "stdout", format: "json" }]);
        if (network === "telegram") assert.equal(cfg.network.api_id, 123456);
      });

      it(`${svc}: takes traffic only from the appservice worker; reaches HAProxy, its database and the network`, () => {
        const ingress = named(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", `bridges-${svc}-ingress`) ?? ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find((p) => p.name.endsWith(`${svc}-ingress`));
        assert.ok(ingress, "ingress policy");
        const rules = (ingress!.inputs.spec as Obj).ingress as Obj[];
        const from = rules.flatMap((r) => r.from);
        assert.deepEqual(from.map((f: Obj) => f.podSelector?.matchLabels?.["app.kubernetes.io/name"]), ["synapse-appservice"]);
        const egress = ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find((p) => p.name.endsWith(`${svc}-egress`))!;
        const ports = ((egress.inputs.spec as Obj).egress as Obj[]).flatMap((r) => (r.ports ?? []).map((p: Obj) => p.port)).sort((a: number, b: number) => a - b);
        assert.deepEqual([...new Set(ports)], network === "telegram" ? [80, 443, 5222, 5432, 8008] : [443, 5432, 8008]);
      });
    }

    it("Synapse loads both registrations and the double-puppeting one; both databases exist", () => {
      const hs = parse((named(run, "kubernetes:core/v1:ConfigMap", "synapse-config")!.inputs.data as Obj)["homeserver.yaml"]);
      assert.deepEqual(hs.app_service_config_files.map((f: string) => f.split("/").pop()), ["telegram-registration.yaml", "whatsapp-registration.yaml", "doublepuppet-registration.yaml"]);
      assert.ok(mentions(run, /mautrix_telegram/).length > 0 && mentions(run, /mautrix_whatsapp/).length > 0);
    });

    it("never puts the Telegram API hash anywhere but a Secret", () => {
      for (const r of run.resources) {
        if (r.type === "kubernetes:core/v1:Secret") continue;
        assert.ok(!JSON.stringify(r.inputs).includes(TELEGRAM.telegramApiHash), `${r.type} ${r.name}`);
      }
    });
  });

  for (const [label, overrides] of [["bridges: false", {}], ["0 accounts", { bridges: "true", telegramAccounts: "0", whatsappAccounts: "0" }]] as const) {
    it(`${label}: nothing of either bridge exists`, async () => {
      const run = await runStack("dev", overrides);
      assert.deepEqual(mentions(run, /mautrix|telegram|whatsapp|doublepuppet|synapse-appservices/i), []);
      const hs = parse((named(run, "kubernetes:core/v1:ConfigMap", "synapse-config")!.inputs.data as Obj)["homeserver.yaml"]);
      assert.deepEqual(hs.app_service_config_files, []);
    });
  }

  it("one bridge off (0 WhatsApp accounts): only Telegram's bridge, registration and database", async () => {
    const run = await runStack("dev", { ...ON, whatsappAccounts: "0" });
    assert.deepEqual(mentions(run, /whatsapp/i), []);
    assert.ok(named(run, "kubernetes:apps/v1:StatefulSet", "mautrix-telegram"));
  });
});
