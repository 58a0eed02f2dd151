/**
 * The key vault's network flows (pure): Synapse's main process is the only caller (HAProxy sends
 * every /_synapse/client/ path to main, so main is the process whose module calls key_vault), and
 * key_vault and its migration Job reach only their database. DNS is every namespace's baseline.
 */
import type { NetworkPeer } from "../contracts";
import type { FlowSpec, Workload } from "../k8s/network";
import { selectorLabels } from "../k8s/labels";
import { KEY_VAULT_NAME, KEY_VAULT_PORT } from "../../render/key-vault";

/** The migration Job's name and pod labels. */
export const KEY_VAULT_MIGRATE = `${KEY_VAULT_NAME}-migrate`;

export function keyVaultWorkload(namespace: string): Workload {
  return { namespace, podLabels: selectorLabels(KEY_VAULT_NAME), name: KEY_VAULT_NAME };
}

export function keyVaultMigrateWorkload(namespace: string): Workload {
  return { namespace, podLabels: selectorLabels(KEY_VAULT_MIGRATE), name: KEY_VAULT_MIGRATE };
}

export function keyVaultFlows(namespace: string, callers: Workload, database: NetworkPeer): FlowSpec[] {
  return [
    { from: callers, to: keyVaultWorkload(namespace), ports: [KEY_VAULT_PORT], description: "Synapse main (LI key-store module) -> key_vault" },
    { from: keyVaultWorkload(namespace), to: database, description: "key_vault -> its PostgreSQL database" },
    { from: keyVaultMigrateWorkload(namespace), to: database, description: "key_vault migration Job -> its PostgreSQL database" },
  ];
}
