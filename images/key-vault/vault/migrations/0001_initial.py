from django.db import migrations, models

# The table is append-only for the role that owns it: an owner may revoke its own privileges,
# so the service (which connects as the owner) can insert and read but never update, delete or
# truncate a stored key. Reverting the migration would drop the table: it is refused.
APPEND_ONLY = "REVOKE UPDATE, DELETE, TRUNCATE ON recovery_key FROM CURRENT_USER"


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="RecoveryKey",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("user_id", models.CharField(max_length=255)),
                ("sha256", models.CharField(max_length=64)),
                ("payload", models.TextField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "db_table": "recovery_key",
                "constraints": [models.UniqueConstraint(fields=("user_id", "sha256"), name="recovery_key_user_sha256")],
                "indexes": [models.Index(fields=["user_id"], name="recovery_key_user")],
            },
        ),
        migrations.RunSQL(APPEND_ONLY),
    ]
