/**
 * The calls system's scrape targets: LiveKit and coturn run with host networking, so their
 * PodMonitors scrape the node's address and Prometheus's egress goes to the node ranges on the
 * two metrics ports only; no NetworkPolicy is written for the pods (none can select them).
 * Without the calls system, or without monitoring, none of it exists.
 */
import { strict as assert } from "assert";
import { deployedScrapeTargets, FEATURE_SWITCHES, type FeatureSwitch } from "../../catalog/components";
import { monitoringFlows } from "../../components/monitoring/flows";
import { dashboardsFor } from "../../components/monitoring/dashboards";
import { ruleGroupsFor } from "../../components/monitoring/rules";
import { platformScrapeTargets, podMonitorManifest, scrapeFlows } from "../../components/monitoring/targets";
import { coturnPodSpec, livekitPodSpec } from "../../components/rtc/pods";
import { RTC_PORTS } from "../../render/rtc";
import { rtcPublicPorts } from "../../render/rtc/exposure";

const features = (on: FeatureSwitch[]) => Object.fromEntries(FEATURE_SWITCHES.map((f) => [f, on.includes(f)])) as Record<FeatureSwitch, boolean>;
const placement = { nodeSelector: {}, tolerations: [] };
const shape = { cpuRequestMillis: 100, cpuLimitMillis: 200, memoryRequestMi: 64, memoryLimitMi: 128 };
const KUBE_API = { cidrs: ["10.0.0.1/32"], ports: [443] };

describe("LiveKit and coturn scrape targets (host networking)", () => {
  const targets = deployedScrapeTargets({ platform: "existing", features: features(["rtc", "monitoring"]) });
  const livekit = targets.find((t) => t.job === "livekit")!;
  const coturn = targets.find((t) => t.job === "coturn")!;

  it("are declared by the calls system on its metrics ports, selecting its pods' labels and named ports", () => {
    assert.equal(livekit.port, RTC_PORTS.livekitMetrics);
    assert.equal(coturn.port, RTC_PORTS.coturnMetrics);
    assert.equal(livekit.namespace, "matrix-turn");
    const lk = livekitPodSpec({ image: "i", placement, resources: shape as never, nodeAddress: "node", udpPorts: { start: 50000, end: 50100 } } as never);
    const ct = coturnPodSpec({ image: "i", placement, resources: shape as never, nodeAddress: "node" });
    for (const [t, spec] of [[livekit, lk], [coturn, ct]] as const) {
      assert.equal(spec.hostNetwork, true);
      assert.equal(t.hostNetwork, true);
      const port = (spec.containers as { ports: { name: string; containerPort: number }[] }[])[0].ports.find((p) => p.name === t.portName);
      assert.equal(port?.containerPort, t.port, t.job);
      const m = podMonitorManifest(t) as { spec: { selector: { matchLabels: Record<string, string> } } };
      assert.deepEqual(m.spec.selector.matchLabels, { "app.kubernetes.io/name": t.job, "app.kubernetes.io/instance": "main" });
    }
  });

  it("admit Prometheus's egress to the node ranges on 6789 and 9641 only, and write no pod policy", () => {
    assert.deepEqual(scrapeFlows(targets).map((f) => f.description).filter((d) => /livekit|coturn/.test(d!)), []);
    const flows = monitoringFlows([...targets, ...platformScrapeTargets("existing")], KUBE_API);
    const host = flows.filter((f) => f.to.kind === "cidr" && (f.to as { name?: string }).name === "host-network-targets");
    assert.equal(host.length, 1);
    assert.deepEqual(host[0].ports, [6789, 9641]);
    assert.equal(host[0].sides, "sender");
    assert.ok(!flows.some((f) => f.to.kind !== "cidr" && f.to.namespace === "matrix-turn"), "no pod-selector egress to the media namespace");
    // The receiving side is the node firewall: the public port list never opens a metrics port.
    for (const r of rtcPublicPorts({ livekitUdpPorts: { start: 50000, end: 60000 }, turnRelayPorts: { start: 30000, end: 40000 } } as never)) {
      for (const port of [RTC_PORTS.livekitMetrics, RTC_PORTS.coturnMetrics]) assert.ok(r.protocol === "udp" || port < r.from || port > r.to, `${r.description} opens ${port}`);
    }
  });

  it("bring the LiveKit dashboard and the LiveKit and coturn alerts, which leave with the calls system", () => {
    const on = new Set(targets.map((t) => t.job));
    assert.ok(dashboardsFor(on).some((d) => d.uid === "livekit" && d.panels.some((p) => p.needs === "coturn")));
    assert.deepEqual(ruleGroupsFor(on).filter((g) => ["livekit", "coturn"].includes(g.name)).map((g) => g.rules[0].alert), ["LiveKitPacketsDropped", "CoturnAllocationsNearQuota"]);
    const off = deployedScrapeTargets({ platform: "existing", features: features(["monitoring"]) });
    const offJobs = new Set(off.map((t) => t.job));
    assert.ok(!offJobs.has("livekit") && !offJobs.has("coturn"));
    assert.ok(!dashboardsFor(offJobs).some((d) => d.uid === "livekit"));
    assert.ok(!monitoringFlows(off, KUBE_API).some((f) => f.to.kind === "cidr" && (f.to as { name?: string }).name === "host-network-targets"));
    assert.deepEqual(deployedScrapeTargets({ platform: "existing", features: features(["rtc"]) }), []);
  });
});
