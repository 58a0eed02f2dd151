import { strict as assert } from "assert";
import { parseSpec } from "../../config";
import { listenerHostKeys } from "../../config/spec";
import { gatewayHosts } from "../../components/platform/addons";
import { matrixRoutes } from "../../components/matrix";

const gateway = { className: "envoy", namespace: "edge", name: "matrix" };
const spec = (extra: Record<string, string>) =>
  parseSpec(Object.fromEntries(Object.entries({ domain: "example.com", ...extra }).map(([k, v]) => [`matrix-platform:${k}`, v])), "t");

describe("server-name delegation at the edge", () => {
  it("the bare server name gets its own listener and a route serving only /.well-known/matrix", () => {
    const s = spec({});
    const listener = gatewayHosts(s).find((h) => h.key === "delegation");
    assert.deepEqual(listener, { key: "delegation", host: "example.com" });
    const route = matrixRoutes(s, gateway, "matrix").find((r) => r.name === "delegation")!;
    const routeSpec = route.spec as { hostnames: string[]; parentRefs: { sectionName: string }[]; rules: { matches: { path: { value: string } }[] }[] };
    assert.deepEqual(routeSpec.hostnames, ["example.com"]);
    assert.equal(routeSpec.parentRefs[0].sectionName, "https-delegation");
    assert.deepEqual(routeSpec.rules.flatMap((r) => r.matches.map((m) => m.path.value)), ["/.well-known/matrix"]);
  });

  it("when the server name is the matrix host there is no second listener for the same host name", () => {
    const s = spec({ serverName: "matrix.example.com" });
    const hosts = gatewayHosts(s).map((h) => h.host);
    assert.equal(new Set(hosts).size, hosts.length, `duplicate listener hosts: ${hosts.join(", ")}`);
    assert.ok(!matrixRoutes(s, gateway, "matrix").some((r) => r.name === "delegation"));
    // The matrix host's own route still serves the delegation files.
    const matrix = matrixRoutes(s, gateway, "matrix").find((r) => r.name === "matrix")!;
    assert.match(JSON.stringify(matrix.spec), /\/\.well-known\/matrix/);
  });

  it("listener host keys keep the first key of each host name", () => {
    assert.deepEqual(listenerHostKeys({ ...spec({}).hosts, delegation: "chat.example.com" }).filter((k) => k === "element" || k === "delegation"), ["element"]);
  });
});
