/**
 * The hardware analysis's per-user formulas ("Component-Specific Requirements"), as a pure
 * breakdown. Units are the document's: cores, decimal GB and TB (1 GB = 1000 MB). Each
 * coefficient is the one the document's own calculation uses (not the range ends), so at its
 * deployment (2,000 Matrix users, 5,000 Telegram, 5,000 WhatsApp) this reproduces its totals.
 */

/** Matrix homeserver (the document sizes Dendrite; Synapse stands in for it here). */
export const MATRIX_PER_USER = {
  cpuBaseCores: 0.02, // "Base: 2,000 x 0.02 = 40 cores"
  cpuPeakCores: 0.1, // "Peak: 2,000 x 0.1 = 200 cores"
  encryptionFactor: 1.2, // "Encryption overhead: +20% additional"
  userStateMb: 150, // "User state: 2,000 x 150 MB" (baseline 25-50 + room state 50-100)
  cacheMb: 200, // "Cache: 2,000 x 200 MB"
  systemOverheadGb: 50, // "System overhead: 50 GB" (federation buffer, JetStream)
  databaseGb: 1, // "Database: 2,000 x 1 GB"
  mediaGb: 3, // "Media: 2,000 x 3 GB"
  indexOverhead: 0.2, // "Indexes and logs: 20% overhead"
} as const;

export const TELEGRAM_PER_ACCOUNT = {
  cpuActiveCores: 0.01, // "Base: 5,000 x 0.01 = 50 cores"
  messagesPerSecondPeak: 10, // "Peak message rate: 10 msg/sec/account"
  cpuCoresPerMessagePerSecond: 0.001, // "Message processing: 0.001 cores/msg/sec"
  sessionMb: 30,
  bufferMb: 20,
  mediaCacheMb: 75,
  sessionStorageMb: 15,
  historyStorageMb: 500,
  mediaStorageGb: 1,
} as const;

export const WHATSAPP_PER_ACCOUNT = {
  cpuBaseCores: 0.02, // "Base: 5,000 x 0.02 = 100 cores" (connection + Signal + media)
  cpuHistorySyncCores: 0.01, // "History sync: 0.01 cores/account (initial)" -> "+50 cores"
  sessionMb: 60,
  syncBufferMb: 150, // only during history sync: peak, not normal
  runtimeMb: 35, // media buffer + crypto keys
  sessionStorageMb: 25,
  historyStorageGb: 1,
  mediaStorageGb: 2,
} as const;

/**
 * The dedicated PostgreSQL server of section 4, sized there for the whole 12,000-connection
 * deployment. We scale it linearly in connections (Matrix users + bridged accounts) from that
 * reference, with a floor for small deployments, so it is the document's figure at its own size.
 */
export const POSTGRES_REFERENCE = {
  connections: 12_000,
  cpuCores: 32, // "CPU: 32-48 physical cores": the lower end, as the other sections' recommendations
  ramGb: 256,
  sharedBuffersGb: 128,
  storageTb: 8,
  maxConnections: 2000,
} as const;
const POSTGRES_FLOOR = { cpuCores: 2, ramGb: 8, storageTb: 0.1, maxConnections: 200 } as const;

export interface ComponentEstimate {
  /** Sustained CPU cores (the document's base). */
  cpuBaseCores: number;
  /** Peak CPU cores (for Matrix: with the encryption overhead). */
  cpuPeakCores: number;
  /** Memory in normal operation, GB. */
  memoryNormalGb: number;
  /** Memory at peak, GB (WhatsApp history sync); equal to normal elsewhere. */
  memoryPeakGb: number;
  /** Database part of the storage, GB (bridges: session data + message history). */
  databaseGb: number;
  /** Media part of the storage, GB. */
  mediaGb: number;
  /** Everything, GB. */
  storageGb: number;
}

export interface PostgresEstimate {
  cpuCores: number;
  ramGb: number;
  sharedBuffersGb: number;
  storageGb: number;
  maxConnections: number;
}

export interface SeedBreakdown {
  users: number;
  telegramAccounts: number;
  whatsappAccounts: number;
  matrix: ComponentEstimate;
  telegram: ComponentEstimate;
  whatsapp: ComponentEstimate;
  postgres: PostgresEstimate;
  totals: { cpuBaseCores: number; cpuPeakCores: number; memoryNormalGb: number; memoryPeakGb: number; storageGb: number };
}

export function matrixEstimate(users: number): ComponentEstimate {
  const k = MATRIX_PER_USER;
  const memory = (users * (k.userStateMb + k.cacheMb)) / 1000 + (users > 0 ? k.systemOverheadGb : 0);
  const database = users * k.databaseGb;
  const media = users * k.mediaGb;
  const overhead = (database + media) * k.indexOverhead;
  return {
    cpuBaseCores: users * k.cpuBaseCores,
    cpuPeakCores: users * k.cpuPeakCores * k.encryptionFactor,
    memoryNormalGb: memory,
    memoryPeakGb: memory,
    // Indexes and logs live with the database.
    databaseGb: database + overhead,
    mediaGb: media,
    storageGb: database + media + overhead,
  };
}

export function telegramEstimate(accounts: number): ComponentEstimate {
  const k = TELEGRAM_PER_ACCOUNT;
  const base = accounts * k.cpuActiveCores;
  const memory = (accounts * (k.sessionMb + k.bufferMb + k.mediaCacheMb)) / 1000;
  const database = (accounts * (k.sessionStorageMb + k.historyStorageMb)) / 1000;
  const media = accounts * k.mediaStorageGb;
  return {
    cpuBaseCores: base,
    cpuPeakCores: base + accounts * k.messagesPerSecondPeak * k.cpuCoresPerMessagePerSecond,
    memoryNormalGb: memory,
    memoryPeakGb: memory,
    databaseGb: database,
    mediaGb: media,
    storageGb: database + media,
  };
}

export function whatsappEstimate(accounts: number): ComponentEstimate {
  const k = WHATSAPP_PER_ACCOUNT;
  const base = accounts * k.cpuBaseCores;
  const normal = (accounts * (k.sessionMb + k.runtimeMb)) / 1000;
  const database = (accounts * k.sessionStorageMb) / 1000 + accounts * k.historyStorageGb;
  const media = accounts * k.mediaStorageGb;
  return {
    cpuBaseCores: base,
    cpuPeakCores: base + accounts * k.cpuHistorySyncCores,
    memoryNormalGb: normal,
    memoryPeakGb: normal + (accounts * k.syncBufferMb) / 1000,
    databaseGb: database,
    mediaGb: media,
    storageGb: database + media,
  };
}

export function postgresEstimate(connections: number): PostgresEstimate {
  const r = POSTGRES_REFERENCE;
  const f = connections / r.connections;
  return {
    cpuCores: Math.max(POSTGRES_FLOOR.cpuCores, Math.ceil(r.cpuCores * f)),
    ramGb: Math.max(POSTGRES_FLOOR.ramGb, Math.ceil(r.ramGb * f)),
    sharedBuffersGb: Math.max(POSTGRES_FLOOR.ramGb / 2, Math.ceil(r.sharedBuffersGb * f)),
    storageGb: Math.max(POSTGRES_FLOOR.storageTb, r.storageTb * f) * 1000,
    maxConnections: Math.max(POSTGRES_FLOOR.maxConnections, Math.ceil((r.maxConnections * f) / 100) * 100),
  };
}

/** The whole breakdown for a deployment: per component and in total. */
export function seedAnalysis(users: number, telegramAccounts: number, whatsappAccounts: number): SeedBreakdown {
  const matrix = matrixEstimate(users);
  const telegram = telegramEstimate(telegramAccounts);
  const whatsapp = whatsappEstimate(whatsappAccounts);
  const postgres = postgresEstimate(users + telegramAccounts + whatsappAccounts);
  const parts = [matrix, telegram, whatsapp];
  const sum = (pick: (c: ComponentEstimate) => number) => parts.reduce((s, c) => s + pick(c), 0);
  return {
    users,
    telegramAccounts,
    whatsappAccounts,
    matrix,
    telegram,
    whatsapp,
    postgres,
    totals: {
      cpuBaseCores: sum((c) => c.cpuBaseCores),
      cpuPeakCores: sum((c) => c.cpuPeakCores),
      memoryNormalGb: sum((c) => c.memoryNormalGb),
      memoryPeakGb: sum((c) => c.memoryPeakGb),
      storageGb: sum((c) => c.storageGb),
    },
  };
}
