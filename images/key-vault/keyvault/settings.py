"""
key_vault's settings, read from the environment only (the Deployment and the migration Job set
them; the secrets come from a Kubernetes Secret). A missing or empty required variable stops the
process at start with its name, rather than running with a default.
"""
import os

from django.core.exceptions import ImproperlyConfigured


def _required(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise ImproperlyConfigured(f"environment variable {name} is required and empty")
    return value


def _file_or_env(name: str) -> str:
    """A secret given as `<NAME>_FILE` (a mounted Secret file) or, failing that, as `<NAME>`."""
    path = os.environ.get(f"{name}_FILE", "")
    if path:
        with open(path, encoding="utf-8") as f:
            value = f.read().strip()
        if not value:
            raise ImproperlyConfigured(f"{name}_FILE ({path}) is empty")
        return value
    return _required(name)


SECRET_KEY = _file_or_env("KEY_VAULT_DJANGO_SECRET_KEY")
# The token Synapse's module sends; every request but /health must carry it.
SERVICE_TOKEN = _file_or_env("KEY_VAULT_SERVICE_TOKEN")
if len(SERVICE_TOKEN) < 32:
    raise ImproperlyConfigured("KEY_VAULT_SERVICE_TOKEN must be at least 32 characters")

DEBUG = False
# Only Synapse's pods reach the Service (NetworkPolicy) and every call carries the token; the
# Host header is the Service's DNS name for Synapse and the pod IP for the kubelet's probes.
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = ["vault"]
MIDDLEWARE = ["vault.auth.ServiceTokenMiddleware"]
ROOT_URLCONF = "keyvault.urls"
WSGI_APPLICATION = "keyvault.wsgi.application"
APPEND_SLASH = False
USE_TZ = True
TIME_ZONE = "UTC"
# Payloads are small (an RSA-4096 ciphertext is 512 bytes); anything near this is not one.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": _required("KEY_VAULT_DB_HOST"),
        "PORT": os.environ.get("KEY_VAULT_DB_PORT", "5432"),
        "NAME": _required("KEY_VAULT_DB_NAME"),
        "USER": _required("KEY_VAULT_DB_USER"),
        "PASSWORD": _file_or_env("KEY_VAULT_DB_PASSWORD"),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            "sslmode": os.environ.get("KEY_VAULT_DB_SSLMODE", "require"),
            "application_name": "key_vault",
            # The server's CA (verify-ca, verify-full); libpq's default (~/.postgresql/root.crt) otherwise.
            **({"sslrootcert": os.environ["KEY_VAULT_DB_SSLROOTCERT"]} if os.environ.get("KEY_VAULT_DB_SSLROOTCERT") else {}),
        },
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": "INFO"},
}
