import type { ControlPlane } from "./control-plane";

/** The StorageClass the real-engine stacks put their volumes on, and the provisioner it names. */
export const SIMULATED_STORAGE_CLASS = "simulated";
const PROVISIONER = "matrix-platform.test/simulated";

/**
 * The StorageClass: binding waits for the first consumer, as a site's local or zonal volumes do,
 * so the scheduler picks a node for the pod first and the volume follows it.
 */
export function simulatedStorageClass(): object {
  return {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: SIMULATED_STORAGE_CLASS },
    provisioner: PROVISIONER,
    volumeBindingMode: "WaitForFirstConsumer",
    reclaimPolicy: "Delete",
    allowVolumeExpansion: true,
  };
}

interface Claim {
  metadata: { name: string; namespace: string; uid: string; annotations?: Record<string, string> };
  spec: { storageClassName?: string; accessModes?: string[]; resources?: { requests?: { storage?: string } }; volumeName?: string; volumeMode?: string };
  status?: { phase?: string };
}
interface Volume {
  metadata: { name: string; annotations?: Record<string, string> };
  status?: { phase?: string };
}

/**
 * A dynamic provisioner for the simulated class, run in the test process (kwok's nodes have no
 * CSI driver): once the scheduler has chosen a node for a claim's pod
 * (`volume.kubernetes.io/selected-node`), it creates a PersistentVolume bound to the claim and
 * pinned to that node, which kube-controller-manager's binder completes; Released volumes of its
 * own it deletes, as reclaimPolicy Delete asks. Returns a stop function.
 */
export function startVolumeProvisioner(cluster: ControlPlane, intervalMs = 2000): () => Promise<void> {
  let stopped = false;
  let errors = 0;
  const loop = (async () => {
    while (!stopped) {
      try {
        await provisionOnce(cluster);
        errors = 0;
      } catch (e) {
        // The API server may be briefly busy under a large up; a persistent failure shows as
        // pods that never get their volumes, which the readiness wait reports.
        if (++errors % 30 === 0) console.warn(`volume provisioner: ${(e as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

async function provisionOnce(cluster: ControlPlane): Promise<void> {
  const claims = (JSON.parse(await cluster.kubectl(["get", "pvc", "-A", "-o", "json"])) as { items: Claim[] }).items;
  const volumes = (JSON.parse(await cluster.kubectl(["get", "pv", "-o", "json"])) as { items: Volume[] }).items;
  const existing = new Set(volumes.map((v) => v.metadata.name));
  for (const claim of claims) {
    const node = claim.metadata.annotations?.["volume.kubernetes.io/selected-node"];
    if (claim.spec.storageClassName !== SIMULATED_STORAGE_CLASS || claim.status?.phase !== "Pending" || !node) continue;
    const name = `pvc-${claim.metadata.uid}`;
    if (existing.has(name)) continue;
    await cluster.kubectl(["create", "-f", "-"], JSON.stringify(volumeFor(claim, name, node)));
  }
  for (const v of volumes) {
    if (v.status?.phase === "Released" && v.metadata.annotations?.["pv.kubernetes.io/provisioned-by"] === PROVISIONER) {
      await cluster.kubectl(["delete", "pv", v.metadata.name, "--wait=false", "--ignore-not-found"]);
    }
  }
}

function volumeFor(claim: Claim, name: string, node: string): object {
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name, annotations: { "pv.kubernetes.io/provisioned-by": PROVISIONER } },
    spec: {
      capacity: { storage: claim.spec.resources?.requests?.storage ?? "1Gi" },
      accessModes: claim.spec.accessModes ?? ["ReadWriteOnce"],
      volumeMode: claim.spec.volumeMode ?? "Filesystem",
      storageClassName: SIMULATED_STORAGE_CLASS,
      persistentVolumeReclaimPolicy: "Delete",
      claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid },
      // A local volume of the chosen node: the pod that asked for it runs there.
      local: { path: `/var/lib/simulated-volumes/${name}` },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [node] }] }] } },
    },
  };
}
