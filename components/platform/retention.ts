/**
 * Backup retention as each service accepts it. The environment preset says how many days of
 * point-in-time recovery a stack keeps (catalog/environments.ts `backupRetentionDays`); the
 * services cap that window, so the platforms clamp here rather than fail at deploy time.
 */

/** RDS keeps automated backups (and its PITR window) for 0-35 days. */
export const RDS_MAX_BACKUP_RETENTION_DAYS = 35;
/** Cloud SQL Enterprise edition keeps at most 7 days of transaction logs (its PITR window). */
export const CLOUD_SQL_MAX_LOG_RETENTION_DAYS = 7;

/** RDS backupRetentionPeriod for a wanted window (0 would switch backups off: at least 1). */
export function rdsBackupRetentionDays(days: number): number {
  return Math.min(Math.max(1, days), RDS_MAX_BACKUP_RETENTION_DAYS);
}

/**
 * Cloud SQL: daily backups are kept for the whole window (one a day), while the WAL that makes
 * PITR possible is capped by the edition; restores older than that go to a daily backup.
 */
export function cloudSqlRetention(days: number): { retainedBackups: number; transactionLogRetentionDays: number } {
  const d = Math.max(1, days);
  return { retainedBackups: d, transactionLogRetentionDays: Math.min(d, CLOUD_SQL_MAX_LOG_RETENTION_DAYS) };
}
