import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { size } from "../../sizing";
import { estimateCost, type CloudCostEstimate, type CostLine } from "../../sizing/cost";
import { OPERATIONS_REFERENCE } from "./seed-docs";
import { specFor } from "./specs";

/** A price read from operations.md itself, so expected values do not come from catalog/prices.ts. */
const TABLE = fs.readFileSync(OPERATIONS_REFERENCE, "utf8");
function price(re: RegExp, group = 1): number {
  const m = re.exec(TABLE);
  if (!m) throw new Error(`price ${re} not found in operations.md`);
  return Number(m[group]);
}
const HOURS = 730;
const GIB_IN_GB = 2 ** 30 / 1e9;

function line(c: CloudCostEstimate, item: string): CostLine {
  const l = c.lines.find((x) => x.item === item);
  assert.ok(l, `${item} in ${c.lines.map((x) => x.item).join(", ")}`);
  return l;
}
const close = (a: number | null, b: number) => assert.ok(a !== null && Math.abs(a - b) < 1e-6 * Math.max(1, b), `${a} vs ${b}`);

describe("sizing: monthly cost from the operations.md price table", () => {
  it("AWS prod: node pools, RDS Multi-AZ, S3 with its cross-region copy, 3 NAT gateways, the EKS fee", () => {
    const spec = specFor({ platform: "aws", environment: "prod", ccu: 5000, telegram: 5000, whatsapp: 5000 });
    const s = size(spec);
    const c = estimateCost(spec, s) as CloudCostEstimate;
    assert.equal(c.kind, "cost");

    const hs = s.nodePools.find((p) => p.tier === "homeserver")!;
    assert.match(hs.machine.aws, /^m7a\./);
    // "m7a.large 0.11592/h ... each size step doubles": a 2-vCPU large, so vCPU/2 steps.
    close(line(c, "node pool homeserver").monthlyUsd, hs.nodeCount * price(/m7a\.large ([\d.]+)/) * (hs.machine.vcpu / 2) * HOURS);
    const bridge = s.nodePools.find((p) => p.tier === "bridge")!;
    close(line(c, "node pool bridge").monthlyUsd, bridge.nodeCount * price(/r7a\.large ([\d.]+)/) * (bridge.machine.vcpu / 2) * HOURS);

    // "db.r7g.large 0.228/h ... Multi-AZ ≈ 2× compute": the primary counts twice, read replicas once.
    assert.match(s.database.awsInstanceClass, /^db\.r7g\./);
    const db = price(/db\.r7g\.large ([\d.]+)/) * (s.database.vcpu / 2);
    close(line(c, "PostgreSQL compute").monthlyUsd, (2 + s.database.readReplicas) * db * HOURS);

    // "S3 Standard 0.023/GB-month", prod replicates to a second region.
    close(line(c, "object storage").monthlyUsd, 2 * s.objectStore.capacityGi * GIB_IN_GB * price(/S3 Standard ([\d.]+)/));
    // "NAT gateway 0.045/h": one per zone in prod.
    close(line(c, "NAT").monthlyUsd, 3 * price(/NAT gateway\s+([\d.]+)\/h/) * HOURS);
    // "EKS 0.10 per cluster-hour".
    close(line(c, "cluster fee").monthlyUsd, price(/EKS ([\d.]+) per/) * HOURS);

    assert.ok(c.unpriced.includes("Redis"), "ElastiCache has no price in the table");
    close(c.monthlyUsd, c.lines.reduce((t, l) => t + (l.monthlyUsd ?? 0), 0));
    assert.equal(c.total, c.monthlyUsd);
  });

  it("GCP dev: n2d/c3d node pools linear in size, Cloud SQL per vCPU and GB, one Cloud NAT, the GKE fee", () => {
    const spec = specFor({ platform: "gcp", environment: "dev", ccu: 1000 });
    const s = size(spec);
    const c = estimateCost(spec, s) as CloudCostEstimate;
    const hs = s.nodePools.find((p) => p.tier === "homeserver")!;
    assert.match(hs.machine.gcp, /^n2d-standard-/);
    close(line(c, "node pool homeserver").monthlyUsd, hs.nodeCount * price(/n2d-standard-2\s+([\d.]+)/) * (hs.machine.vcpu / 2) * HOURS);
    const edge = s.nodePools.find((p) => p.tier === "edge")!;
    close(line(c, "node pool edge").monthlyUsd, edge.nodeCount * price(/c3d-standard-4 ([\d.]+)/) * (edge.machine.vcpu / 4) * HOURS);

    // "Cloud SQL Enterprise ~0.0413/vCPU-h + 0.007/GB-h"; dev: single zone.
    const [, vcpu, mib] = /^db-custom-(\d+)-(\d+)$/.exec(s.database.gcpTier)!;
    const hourly = Number(vcpu) * price(/Cloud SQL Enterprise ~([\d.]+)\/vCPU-h/) + (Number(mib) / 1024) * price(/\/vCPU-h \+ ([\d.]+)\/GB-h/);
    close(line(c, "PostgreSQL compute").monthlyUsd, (1 + s.database.readReplicas) * hourly * HOURS);
    close(line(c, "object storage").monthlyUsd, s.objectStore.capacityGi * GIB_IN_GB * price(/GCS Standard ([\d.]+)/));
    close(line(c, "NAT").monthlyUsd, price(/Cloud NAT ([\d.]+)\/h/) * HOURS);
    close(line(c, "cluster fee").monthlyUsd, price(/GKE ([\d.]+) per/) * HOURS);
  });

  it("a worked example by hand: prod AWS cluster fee + 3 NAT gateways = 73 + 98.55 USD", () => {
    const spec = specFor({ platform: "aws", environment: "prod", ccu: 100 });
    const c = estimateCost(spec, size(spec)) as CloudCostEstimate;
    close((line(c, "cluster fee").monthlyUsd ?? 0) + (line(c, "NAT").monthlyUsd ?? 0), 0.1 * 730 + 3 * 0.045 * 730);
  });

  it("more CCU never costs less", () => {
    for (const platform of ["aws", "gcp"] as const) {
      let prev = 0;
      for (const ccu of [100, 1000, 5000, 10000, 20000]) {
        const spec = specFor({ platform, environment: "prod", ccu });
        const c = estimateCost(spec, size(spec)) as CloudCostEstimate;
        assert.ok(c.monthlyUsd >= prev, `${platform} ${ccu}: ${c.monthlyUsd} < ${prev}`);
        prev = c.monthlyUsd;
      }
    }
  });

  it("existing cluster: resource totals, no dollars", () => {
    const spec = specFor({ platform: "existing", environment: "prod", ccu: 5000 });
    const s = size(spec);
    const r = estimateCost(spec, s);
    assert.equal(r.kind, "resources");
    assert.ok(!("monthlyUsd" in r));
    if (r.kind !== "resources") return;
    assert.equal(r.cpuCores, s.totals.cpuCores);
    assert.equal(r.nodeVcpu, s.nodePools.reduce((t, p) => t + p.nodeCount * p.machine.vcpu, 0));
    assert.ok(r.nodes.some((n) => n.tier === "database" && n.localNvme));
    assert.equal(r.currency, "none");
    assert.match(r.summary, new RegExp(`needs ${r.nodeVcpu} vCPU`));
  });
});
