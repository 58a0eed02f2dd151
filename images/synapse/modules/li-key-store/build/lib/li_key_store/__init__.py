"""
The lawful-intercept key store, as a Synapse module.

Registers `POST /_synapse/client/v1/li/store_key`: a logged-in user posts a recovery-key payload
their client encrypted with the LI public key (`{"encrypted_key": "<base64>"}`, optionally with
their own `user_id`); the module authenticates the access token, refuses a `user_id` other than
the requester's, and hands the payload to key_vault with the service token. key_vault stores it
once per (user, payload hash) and never deletes it.

Also registers `GET /_synapse/client/v1/li/public_key`: the PEM of the LI officers' RSA public key
(and the encryption the payload must use), for logged-in clients to encrypt with. The private key
never enters the cluster.

Config (`modules:` entry):
    key_vault_url: http://key-vault.matrix.svc.cluster.local:8000   # key_vault's base URL
    service_token_path: /etc/synapse/secrets/key_vault_token        # file holding the token
    public_key_pem: "-----BEGIN PUBLIC KEY-----..."                 # RSA, at least 2048 bits
"""
import json
import logging
from typing import Any
from urllib.parse import urlparse

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from synapse.module_api import DirectServeJsonResource, ModuleApi, parse_json_object_from_request
from synapse.module_api.errors import Codes, ConfigError, SynapseError

logger = logging.getLogger(__name__)

STORE_KEY_PATH = "/_synapse/client/v1/li/store_key"
PUBLIC_KEY_PATH = "/_synapse/client/v1/li/public_key"
# What a client must encrypt its recovery key with (the public key below).
ENCRYPTION = "RSA-OAEP-SHA256"
MIN_RSA_BITS = 2048
# key_vault's store endpoint, relative to its base URL.
VAULT_STORE_PATH = "/v1/keys"
CONFIG_KEYS = frozenset({"key_vault_url", "service_token_path", "public_key_pem"})
BODY_KEYS = frozenset({"encrypted_key", "user_id"})


class LiKeyStoreConfig:
    def __init__(self, key_vault_url: str, service_token: str, public_key_pem: str):
        self.key_vault_url = key_vault_url.rstrip("/")
        self.service_token = service_token
        self.public_key_pem = public_key_pem


class LiKeyStore:
    def __init__(self, config: LiKeyStoreConfig, api: ModuleApi):
        api.register_web_resource(STORE_KEY_PATH, StoreKeyResource(config, api))
        api.register_web_resource(PUBLIC_KEY_PATH, PublicKeyResource(config, api))

    @staticmethod
    def parse_config(config: dict[str, Any]) -> LiKeyStoreConfig:
        if not isinstance(config, dict):
            raise ConfigError("li_key_store: config must be a mapping with key_vault_url and service_token_path")
        unknown = sorted(set(config) - CONFIG_KEYS)
        if unknown:
            raise ConfigError(f"li_key_store: unknown config key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(CONFIG_KEYS))}")
        url = config.get("key_vault_url")
        parsed = urlparse(url) if isinstance(url, str) else None
        if parsed is None or parsed.scheme not in ("http", "https") or not parsed.hostname or parsed.path not in ("", "/"):
            raise ConfigError(f"li_key_store: key_vault_url must be an http(s) base URL without a path, got {url!r}")
        path = config.get("service_token_path")
        if not isinstance(path, str) or not path:
            raise ConfigError("li_key_store: service_token_path must name the file holding key_vault's service token")
        try:
            with open(path, encoding="utf-8") as f:
                token = f.read().strip()
        except OSError as e:
            raise ConfigError(f"li_key_store: cannot read service_token_path {path}: {e.strerror}")
        if len(token) < 32:
            raise ConfigError(f"li_key_store: the service token in {path} is shorter than 32 characters")
        pem = config.get("public_key_pem")
        try:
            key = load_pem_public_key(pem.encode()) if isinstance(pem, str) else None
        except ValueError:
            key = None
        if not isinstance(key, RSAPublicKey) or key.key_size < MIN_RSA_BITS:
            raise ConfigError(f"li_key_store: public_key_pem must be a PEM RSA public key of at least {MIN_RSA_BITS} bits")
        return LiKeyStoreConfig(url, token, pem)


class PublicKeyResource(DirectServeJsonResource):
    def __init__(self, config: LiKeyStoreConfig, api: ModuleApi):
        super().__init__()
        self._api = api
        self._body = {"public_key_pem": config.public_key_pem, "encryption": ENCRYPTION, "store_key_path": STORE_KEY_PATH}

    async def _async_render_GET(self, request) -> tuple[int, dict[str, Any]]:
        await self._api.get_user_by_req(request)
        return 200, self._body


class StoreKeyResource(DirectServeJsonResource):
    def __init__(self, config: LiKeyStoreConfig, api: ModuleApi):
        super().__init__()
        self._api = api
        self._url = config.key_vault_url + VAULT_STORE_PATH
        self._headers = {b"Authorization": [f"Bearer {config.service_token}".encode()]}

    async def _async_render_POST(self, request) -> tuple[int, dict[str, Any]]:
        requester = await self._api.get_user_by_req(request)
        user_id = requester.user.to_string()
        body = parse_json_object_from_request(request)
        unknown = sorted(set(body) - BODY_KEYS)
        if unknown:
            raise SynapseError(400, f"unknown field(s) {', '.join(unknown)}; allowed: encrypted_key, user_id", Codes.BAD_JSON)
        # A user stores for themselves only: user_id may be left out, or be the requester's own.
        if body.get("user_id", user_id) != user_id:
            raise SynapseError(403, "a user can store a key only for themselves", Codes.FORBIDDEN)
        payload = body.get("encrypted_key")
        if not isinstance(payload, str) or not payload:
            raise SynapseError(400, "encrypted_key must be a non-empty base64 string", Codes.MISSING_PARAM)
        try:
            result = await self._api.http_client.post_json_get_json(
                self._url, {"user_id": user_id, "encrypted_key": payload}, headers=self._headers
            )
        except Exception as e:
            code = getattr(e, "code", None)
            if code == 400:
                raise SynapseError(400, _vault_error(e), Codes.INVALID_PARAM)
            # Never echo key_vault's answer to a 401/5xx to the client: log it for the operators.
            logger.error("li_key_store: key_vault refused or failed to store a key for %s: %r", user_id, e)
            raise SynapseError(502, "the key store is unavailable", Codes.UNKNOWN)
        return 200, {"stored": True, "created": bool(result.get("created")), "sha256": result.get("sha256")}


def _vault_error(e: Exception) -> str:
    try:
        return str(json.loads(getattr(e, "response", b"") or b"{}").get("error") or "invalid key payload")
    except ValueError:
        return "invalid key payload"
