/**
 * The LI instance's renderers (pure): synapse-li's homeserver.yaml, element-web-li's and
 * synapse-admin-li's config.json. The sync's renderers are in ./sync*.
 */
export * from "./synapse";
export * from "./web";
