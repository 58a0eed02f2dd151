"""The worker's settings, read once from the environment and checked before anything listens."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping


class ConfigError(ValueError):
    """A setting is missing or out of range; the message names the variable and what is allowed."""


@dataclass(frozen=True)
class Settings:
    token: str
    clamd_host: str
    clamd_port: int
    max_bytes: int
    timeout_seconds: float
    listen_host: str
    listen_port: int
    metrics_port: int
    chunk_bytes: int = 64 * 1024


def _int(env: Mapping[str, str], name: str, default: int | None, lo: int, hi: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        if default is None:
            raise ConfigError(f"{name} is not set: an integer in {lo}..{hi} is required")
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} = {raw!r} is not an integer (allowed: {lo}..{hi})") from None
    if not lo <= value <= hi:
        raise ConfigError(f"{name} = {value} is out of range (allowed: {lo}..{hi})")
    return value


def load(env: Mapping[str, str] = os.environ) -> Settings:
    token_file = env.get("SCAN_WORKER_TOKEN_FILE", "")
    if not token_file:
        raise ConfigError("SCAN_WORKER_TOKEN_FILE is not set: the path of the bearer token file is required")
    try:
        with open(token_file, encoding="utf-8") as f:
            token = f.read().strip()
    except OSError as e:
        raise ConfigError(f"SCAN_WORKER_TOKEN_FILE = {token_file!r} cannot be read ({e.strerror})") from None
    if len(token) < 32:
        raise ConfigError(f"the token in {token_file!r} is shorter than 32 characters")
    timeout_raw = env.get("SCAN_TIMEOUT_SECONDS", "60")
    try:
        timeout = float(timeout_raw)
    except ValueError:
        raise ConfigError(f"SCAN_TIMEOUT_SECONDS = {timeout_raw!r} is not a number (allowed: 1..3600)") from None
    if not 1 <= timeout <= 3600:
        raise ConfigError(f"SCAN_TIMEOUT_SECONDS = {timeout} is out of range (allowed: 1..3600)")
    clamd_host = env.get("CLAMD_HOST", "")
    if not clamd_host:
        raise ConfigError("CLAMD_HOST is not set: clamd's host name or address is required")
    return Settings(
        token=token,
        clamd_host=clamd_host,
        clamd_port=_int(env, "CLAMD_PORT", 3310, 1, 65535),
        max_bytes=_int(env, "SCAN_MAX_BYTES", None, 1, 4 * 1024**3),
        timeout_seconds=timeout,
        listen_host=env.get("LISTEN_HOST", "0.0.0.0"),
        listen_port=_int(env, "LISTEN_PORT", 8080, 1, 65535),
        metrics_port=_int(env, "METRICS_PORT", 9090, 1, 65535),
    )
