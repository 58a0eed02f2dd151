"""The store request's body, checked before anything touches the database."""
import base64
import binascii
import json
import re

# Matrix user ID: "@localpart:server_name", at most 255 bytes, no whitespace or control characters.
USER_ID = re.compile(r"^@[\x21-\x39\x3b-\x7e]+:[\x21-\x7e]+$")
MAX_USER_ID_BYTES = 255
# An RSA-4096 ciphertext is 512 bytes (684 base64 characters); a payload wrapping a recovery key
# in a hybrid scheme stays far under this.
MAX_PAYLOAD_CHARS = 16 * 1024
FIELDS = frozenset({"user_id", "encrypted_key"})


class BadRequest(ValueError):
    pass


def parse_store_request(body: bytes) -> tuple[str, str]:
    """(user_id, encrypted_key) of a store request, or BadRequest naming what is wrong."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("body is not JSON")
    if not isinstance(data, dict):
        raise BadRequest("body must be a JSON object with user_id and encrypted_key")
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise BadRequest(f"unknown field(s) {', '.join(unknown)}; allowed: encrypted_key, user_id")
    user_id, payload = data.get("user_id"), data.get("encrypted_key")
    if not isinstance(user_id, str) or len(user_id.encode()) > MAX_USER_ID_BYTES or not USER_ID.match(user_id):
        raise BadRequest("user_id must be a Matrix user ID (@localpart:server, at most 255 bytes)")
    if not isinstance(payload, str) or not payload:
        raise BadRequest("encrypted_key must be a non-empty base64 string")
    if len(payload) > MAX_PAYLOAD_CHARS:
        raise BadRequest(f"encrypted_key is longer than {MAX_PAYLOAD_CHARS} characters")
    try:
        base64.b64decode(payload + "=" * (-len(payload) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest("encrypted_key is not base64")
    return user_id, payload
