/**
 * Media exposure on the clouds: with calls deployed, the edge nodes (where LiveKit and coturn run
 * on host networking) get public addresses and the internet reaches exactly the media and TURN
 * ports; without calls, no such rule or public node exists.
 */
import { strict as assert } from "assert";
import { rtcPublicPorts } from "../../render/rtc";
import { ofType, runStack } from "../helpers/run-stack";

type Obj = Record<string, any>;

describe("RTC media exposure per platform", function () {
  this.timeout(600_000);

  it("AWS: a media security group opening exactly the media/TURN ports, on public edge nodes only", async () => {
    const run = await runStack("prod-aws-1k", { rtc: "true" });
    const rules = ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.name.includes("rtc-media"));
    const want = rtcPublicPorts(run.spec.rtc).map((p) => `${p.protocol}:${p.from}-${p.to}`).sort();
    assert.deepEqual(rules.map((r) => `${r.inputs.ipProtocol}:${r.inputs.fromPort}-${r.inputs.toPort}`).sort(), want);
    for (const r of rules) assert.equal(r.inputs.cidrIpv4, "0.0.0.0/0");
    assert.ok(want.includes("udp:50000-60000") && want.includes("udp:40000-49999") && want.includes("tcp:7881-7881"));
    const templates = ofType(run, "aws:ec2/launchTemplate:LaunchTemplate");
    const publicOnes = templates.filter((t) => (t.inputs.networkInterfaces as Obj[] | undefined)?.some((n) => n.associatePublicIpAddress === "true"));
    assert.deepEqual(publicOnes.map((t) => t.name), ["platform-edge"], "only the edge tier's nodes are public");
  });

  it("GCP: a firewall rule for the media/TURN ports targeting the tag only the edge pool carries; its nodes are public", async () => {
    const run = await runStack("prod-gcp-1k", { rtc: "true" });
    const fw = ofType(run, "gcp:compute/firewall:Firewall").find((f) => f.name.includes("rtc-media"))!;
    assert.ok(fw, "media firewall rule");
    assert.deepEqual(fw.inputs.sourceRanges, ["0.0.0.0/0"]);
    const allowed = (fw.inputs.allows as Obj[]).flatMap((a) => (a.ports as string[]).map((p) => `${a.protocol}:${p}`)).sort();
    assert.deepEqual(allowed, rtcPublicPorts(run.spec.rtc).map((p) => `${p.protocol}:${p.from === p.to ? p.from : `${p.from}-${p.to}`}`).sort());
    const pools = ofType(run, "gcp:container/nodePool:NodePool");
    const tagged = pools.filter((p) => ((p.inputs.nodeConfig as Obj).tags ?? []).includes((fw.inputs.targetTags as string[])[0]));
    assert.deepEqual(tagged.map((p) => p.inputs.name), ["edge"]);
    assert.equal((tagged[0].inputs.networkConfig as Obj).enablePrivateNodes, false);
    for (const p of pools.filter((x) => x.inputs.name !== "edge")) assert.equal(p.inputs.networkConfig, undefined, `${p.inputs.name} stays private`);
  });

  it("rtc off: no media rule, no public node on either cloud", async () => {
    const aws = await runStack("prod-aws-1k", { rtc: "false" });
    assert.equal(ofType(aws, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.name.includes("rtc-media")).length, 0);
    assert.ok(!ofType(aws, "aws:ec2/launchTemplate:LaunchTemplate").some((t) => t.inputs.networkInterfaces));
    const gcp = await runStack("prod-gcp-1k", { rtc: "false" });
    assert.equal(ofType(gcp, "gcp:compute/firewall:Firewall").filter((f) => f.name.includes("rtc-media")).length, 0);
    assert.ok(!ofType(gcp, "gcp:container/nodePool:NodePool").some((p) => p.inputs.networkConfig || (p.inputs.nodeConfig as Obj).tags));
  });
});
