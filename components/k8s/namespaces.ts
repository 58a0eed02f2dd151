// The namespace names are catalogue data (catalog/namespaces.ts); re-exported for the building blocks.
export { NAMESPACES, type NamespaceName } from "../../catalog/namespaces";
