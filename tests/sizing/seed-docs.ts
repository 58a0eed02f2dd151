/**
 * Reads the customer's documents themselves, so tests compare the code with the documents and
 * not with numbers copied from the code. They live in docs/requirements/.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

const SEEDS = path.resolve(__dirname, "../../docs/requirements");
export const ARCHITECTURE_SEED = path.join(SEEDS, "003_f02a02d6980bc264.txt");
export const HARDWARE_SEED = path.join(SEEDS, "000_e8117f4c02e2fb68.txt");
export const OPERATIONS_REFERENCE = path.join(SEEDS, "operations-reference.md");

/** "16Gi" / "1Ti" / "500Gi" -> GiB. */
export function quantityGi(q: string | number): number {
  if (typeof q === "number") return q;
  const m = /^(\d+(?:\.\d+)?)(Gi|Ti)$/.exec(q.trim());
  if (!m) throw new Error(`unexpected quantity ${q}`);
  return Number(m[1]) * (m[2] === "Ti" ? 1024 : 1);
}

export interface DocProfile {
  file: string;
  ccu: number;
  postgresInstances: number;
  redisReplicas: number;
  minioNodes: number;
  workers: Record<string, number>;
  /** "# All others: 1" -> {min:1,max:1}; "# Others scale to 1-2" -> {min:1,max:2}. */
  others?: { min: number; max: number };
  livekitReplicas: number;
  totalCpu: number;
  totalMemoryGi: number;
  storageGi: number;
}

/** The five `scaling-profiles/<n>-ccu.yaml` blocks of the architecture document. */
export function docProfiles(): DocProfile[] {
  const text = fs.readFileSync(ARCHITECTURE_SEED, "utf8");
  const blocks = [...text.matchAll(/```yaml\n(# scaling-profiles\/(\d+)-ccu\.yaml[\s\S]*?)```/g)];
  return blocks.map((m) => {
    const body = m[1];
    const doc = parse(body) as {
      postgresql: { instances: number };
      redis: { replicas: number };
      minio: { nodes: number };
      synapse: { workers: Record<string, number> };
      livekit: { replicas: number };
      resources: { total_cpu: number; total_memory: string; storage: string };
    };
    const all = /#\s*All others:\s*(\d+)/i.exec(body);
    const range = /#\s*Others scale to (\d+)-(\d+)/i.exec(body);
    return {
      file: `${m[2]}-ccu.yaml`,
      ccu: Number(m[2]),
      postgresInstances: doc.postgresql.instances,
      redisReplicas: doc.redis.replicas,
      minioNodes: doc.minio.nodes,
      workers: doc.synapse.workers,
      others: all ? { min: Number(all[1]), max: Number(all[1]) } : range ? { min: Number(range[1]), max: Number(range[2]) } : undefined,
      livekitReplicas: doc.livekit.replicas,
      totalCpu: doc.resources.total_cpu,
      totalMemoryGi: quantityGi(doc.resources.total_memory),
      storageGi: quantityGi(doc.resources.storage),
    };
  });
}

/** The "Component HA Summary" table: component -> minimum replicas (first number in the cell). */
export function docHaMinimums(): Record<string, number> {
  const text = fs.readFileSync(ARCHITECTURE_SEED, "utf8");
  const section = text.slice(text.indexOf("### Component HA Summary"));
  const rows = [...section.matchAll(/^\| ([^|]+?) \| [^|]+ \| (\d+)[^|]*\| [^|]+\|$/gm)];
  return Object.fromEntries(rows.map((r) => [r[1].trim(), Number(r[2])]));
}
