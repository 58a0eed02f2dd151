/**
 * Issue 10 items 2 and 7 at the component level: the homeserver's identity (the server name, via
 * a resource replaced exactly when it changes, and the signing key) is protected unless the stack
 * allows identity changes; the admin host routes the admin API and the client API to HAProxy.
 */
import { strict as assert } from "assert";
import { parseSpec, PROJECT } from "../../config";
import { matrixRoutes } from "../../components/matrix";
import { size } from "../../sizing";
import { runWithMocks, type RecordedResource } from "../../stacks/mock-engine";

async function render(extra: Record<string, string>): Promise<RecordedResource[]> {
  const config = Object.fromEntries(Object.entries({ domain: "example.org", ...extra }).map(([k, v]) => [`${PROJECT}:${k}`, v]));
  const spec = parseSpec(config, "id");
  const { program } = await import("../../program");
  return (await runWithMocks({ project: PROJECT, stack: "id", config, program: () => program(spec, size(spec)) })).resources;
}

describe("components: the server name and signing key are protected", function () {

  it("protects the signing key and a server-name identity that is replaced when the name changes", async () => {
    const resources = await render({});
    const key = resources.find((r) => r.type === "tls:index/privateKey:PrivateKey" && r.name.endsWith("-signing-key"));
    const identity = resources.find((r) => r.type === "random:index/randomId:RandomId" && r.name.endsWith("-server-identity"));
    assert.ok(key && identity);
    assert.equal(key.protect, true);
    assert.equal(identity.protect, true);
    assert.deepEqual(identity.inputs.keepers, { serverName: "example.org" }, "a new server name replaces it, which protection refuses");
  });

  it("allowIdentityChange lifts the protection", async () => {
    const resources = await render({ allowIdentityChange: "true" });
    const protectedOnes = resources.filter((r) => r.protect).map((r) => `${r.type}::${r.name}`);
    assert.deepEqual(protectedOnes.filter((n) => /signing-key|server-identity/.test(n)), []);
  });
});

describe("components: the admin host serves the admin API through HAProxy", () => {
  it("routes /_synapse/admin and /_matrix/client on the admin host to HAProxy, the rest to Ketesa", () => {
    const spec = parseSpec({ [`${PROJECT}:domain`]: "example.org" }, "d");
    const routes = matrixRoutes(spec, { name: "gw", namespace: "edge" } as never, "matrix");
    const admin = routes.find((r) => r.name === "admin")!.spec as { hostnames: string[]; rules: { matches: { path: { value: string } }[]; backendRefs: { name: string }[] }[] };
    assert.deepEqual(admin.hostnames, ["admin.example.org"]);
    const to = (p: string) => admin.rules.find((r) => r.matches.some((m) => p.startsWith(m.path.value)))!.backendRefs[0].name;
    assert.equal(to("/_synapse/admin/v1/users"), "haproxy");
    assert.equal(to("/_matrix/client/v3/login"), "haproxy");
    assert.equal(to("/index.html"), "ketesa");
  });
});
