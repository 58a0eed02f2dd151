/**
 * The component registry drives what exists: a system whose switch is off is not sized, packed,
 * priced, routed or advertised, and a switch for a system that is not built is refused before
 * any resource is registered.
 */
import * as assert from "assert";
import {
  COMPONENTS,
  COMPONENT_REGISTRY,
  FEATURE_SWITCHES,
  SYSTEMS,
  deployedHosts,
  isDeployed,
  systemEntry,
  systemOf,
  unbuiltSwitches,
  type FeatureSwitch,
} from "../../catalog/components";
import { NAMESPACES } from "../../catalog/namespaces";
import { parseSpec } from "../../config/parse";
import { size } from "../../sizing";
import { estimateCost } from "../../sizing/cost";
import { podCount } from "../../sizing/workload";
import { ofType, runStack } from "../helpers/run-stack";
import { specFor } from "../sizing/specs";

const allOff = Object.fromEntries(FEATURE_SWITCHES.map((f) => [f, false])) as Record<FeatureSwitch, boolean>;

describe("component registry", () => {
  it("every sized component belongs to exactly one system", () => {
    for (const c of COMPONENTS) {
      const owners = SYSTEMS.filter((s) => c in systemEntry(s).workloads);
      assert.equal(owners.length, 1, `${c} is in ${owners.length} entries`);
    }
  });

  it("every namespace named by an entry is one of the stack's namespaces", () => {
    const known = new Set<string>(Object.values(NAMESPACES));
    for (const s of SYSTEMS) {
      const e = systemEntry(s);
      assert.ok(known.has(e.namespace), `${s}: ${e.namespace}`);
      for (const w of Object.values(e.workloads)) if (w?.namespace) assert.ok(known.has(w.namespace), `${s}: ${w.namespace}`);
    }
  });

  it("each feature switch deploys at least one system, and nothing else switches systems", () => {
    for (const f of FEATURE_SWITCHES) assert.ok(SYSTEMS.some((s) => systemEntry(s).feature === f), `${f} deploys nothing`);
    const spec = parseSpec({}, "dev");
    assert.deepEqual(Object.keys(spec.features).sort(), [...FEATURE_SWITCHES].sort(), "the config's switches are the registry's");
  });

  it("with every switch off only the always-on systems are deployed, and Redis only in-cluster on an existing cluster", () => {
    assert.deepEqual(SYSTEMS.filter((s) => isDeployed(s, { platform: "existing", features: allOff })), ["matrix", "edge", "cache"]);
    assert.deepEqual(SYSTEMS.filter((s) => isDeployed(s, { platform: "aws", features: allOff })), ["matrix", "edge"]);
    assert.equal(isDeployed("li", { platform: "gcp", features: { ...allOff, li: true } }), true);
  });

  it("hosts come from the deployed systems only", () => {
    assert.deepEqual(deployedHosts({ platform: "aws", features: allOff }), ["matrix", "element", "admin", "delegation"]);
    const withLi = deployedHosts({ platform: "aws", features: { ...allOff, li: true, monitoring: true } });
    for (const h of ["liMatrix", "liElement", "liAdmin", "grafana"]) assert.ok(withLi.includes(h as never), h);
    assert.ok(!withLi.includes("rtc"));
    assert.ok(!SYSTEMS.some((s) => (systemEntry(s).hosts as readonly string[]).includes("turn")), "TURN is no HTTP host");
  });

  it("names every switch whose system is not built yet, with what will build it", () => {
    const all = Object.fromEntries(FEATURE_SWITCHES.map((f) => [f, true])) as Record<FeatureSwitch, boolean>;
    const unbuilt = unbuiltSwitches(all).map((u) => u.feature);
    for (const s of SYSTEMS) {
      const e = systemEntry(s);
      if (e.feature && e.built !== true) assert.ok(unbuilt.includes(e.feature), `${s} (${e.feature})`);
    }
    assert.deepEqual(unbuiltSwitches(allOff), []);
    assert.equal(COMPONENT_REGISTRY.matrix.built, true);
  });
});

describe("only what is deployed is sized, packed and priced", () => {
  for (const feature of ["rtc", "li", "antivirus", "monitoring", "push"] as const) {
    it(`${feature} off: its workloads have no pods, pack into no node and cost nothing`, () => {
      const on = size(specFor({ platform: "aws", ccu: 5000, features: { [feature]: true } }));
      const off = size(specFor({ platform: "aws", ccu: 5000, features: { [feature]: false } }));
      const mine = COMPONENTS.filter((c) => systemEntry(systemOf(c)).feature === feature);
      assert.ok(mine.length > 0);
      for (const c of mine) {
        assert.ok(podCount(on.components[c]) > 0, `${c} has pods when ${feature} is on`);
        assert.equal(podCount(off.components[c]), 0, `${c} has no pods when ${feature} is off`);
      }
      const requested = (s: typeof on) => s.nodePools.reduce((t, p) => t + p.requestedCpuMillis, 0);
      assert.ok(requested(off) < requested(on), "node pools pack less");
      const monthly = (s: typeof on) => {
        const c = estimateCost(specFor({ platform: "aws", ccu: 5000, features: { [feature]: s === on } }), s);
        return c.currency === "USD" ? c.total : NaN;
      };
      assert.ok(monthly(off) <= monthly(on), "the estimate does not grow when a system is switched off");
      // Everything outside the switched system is sized the same either way.
      for (const c of COMPONENTS.filter((x) => !mine.includes(x))) assert.deepEqual(off.components[c], on.components[c], c);
      assert.deepEqual(off.synapse, on.synapse);
    });
  }
});

describe("every feature switch deploys a built system", () => {
  it("no registry entry is pending, so no switch is refused as not built yet", () => {
    const pending = SYSTEMS.filter((s) => systemEntry(s).built !== true);
    assert.deepEqual(pending, []);
    assert.deepEqual(unbuiltSwitches(Object.fromEntries(FEATURE_SWITCHES.map((f) => [f, true])) as Record<FeatureSwitch, boolean>), []);
  });
});

describe("the registered stack follows the registry", () => {
  it("dev: Gateway listeners only for the deployed systems' hosts; nothing advertises calls", async () => {
    const run = await runStack("dev");
    const gateway = ofType(run, "kubernetes:gateway.networking.k8s.io/v1:Gateway")[0];
    const listeners = ((gateway.inputs.spec as { listeners: { name: string }[] }).listeners).map((l) => l.name);
    assert.ok(listeners.includes("https-matrix") && listeners.includes("https-element"));
    // dev deploys monitoring (Pulumi.dev.yaml), so Grafana has its host; calls and LI do not.
    assert.ok(listeners.includes("https-grafana"));
    for (const absent of ["https-rtc", "https-li-matrix"]) assert.ok(!listeners.includes(absent), absent);
    const configMaps = ofType(run, "kubernetes:core/v1:ConfigMap").map((r) => JSON.stringify(r.inputs));
    assert.ok(!configMaps.some((c) => c.includes("org.matrix.msc4143.rtc_foci")), ".well-known advertises no RTC focus");
    assert.ok(!configMaps.some((c) => c.includes("turn_uris")), "Synapse is given no TURN server");
    const shared = configMaps.filter((c) => c.includes("app_service_config_files"));
    assert.ok(shared.length > 0 && shared.every((c) => c.includes("app_service_config_files: []")), "Synapse loads no bridge registration");
  });
});
