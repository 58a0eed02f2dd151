/** Renderers of the mautrix bridges' files (their registrations are Synapse's: render/synapse/appservice.ts). */
export * from "./config";
