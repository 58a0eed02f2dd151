"""The one table: recovery-key payloads as clients encrypted them, one row per (user, payload)."""
from django.db import models


class RecoveryKey(models.Model):
    # A Matrix user ID is at most 255 bytes (spec: "user identifiers").
    user_id = models.CharField(max_length=255)
    # Hex SHA-256 of the payload as stored: identical payloads of a user are one row.
    sha256 = models.CharField(max_length=64)
    # Encrypted by the client with the LI public key; the vault cannot read it.
    payload = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "recovery_key"
        constraints = [models.UniqueConstraint(fields=["user_id", "sha256"], name="recovery_key_user_sha256")]
        indexes = [models.Index(fields=["user_id"], name="recovery_key_user")]
