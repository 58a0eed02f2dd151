/**
 * Antivirus renderers (pure): clamd.conf, freshclam.conf, the Synapse module's config block and
 * the ports the pods, Services and flows share.
 */
export * from "./ports";
export * from "./clamd";
export * from "./freshclam";
export * from "./synapse-module";
