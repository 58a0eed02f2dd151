"""The module class Synapse loads (`modules: [{module: matrix_platform_antivirus.AntivirusScanner}]`)."""
from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from prometheus_client import Counter
from twisted.internet import defer
from twisted.internet.interfaces import IReactorTime
from twisted.web.client import Agent, FileBodyProducer, HTTPConnectionPool, readBody
from twisted.web.http_headers import Headers

from synapse.api.errors import Codes, SynapseError
from synapse.config._base import ConfigError
from synapse.module_api import NOT_SPAM, ModuleApi, make_deferred_yieldable

logger = logging.getLogger(__name__)

SCANS = Counter(
    "synapse_antivirus_scans_total",
    "Media files the antivirus module sent to the scan workers, by outcome (clean, infected, unavailable).",
    ["result"],
)
UNAVAILABLE = Counter(
    "synapse_antivirus_scanner_unavailable_total",
    "Media files stored or refused while the scan workers could not be reached, by what was done (refused: fail closed; allowed: fail open).",
    ["action"],
)
for _result in ("clean", "infected", "unavailable"):
    SCANS.labels(result=_result)
for _action in ("refused", "allowed"):
    UNAVAILABLE.labels(action=_action)


class ScannerUnavailable(Exception):
    """No verdict: the scan workers could not be reached, timed out or answered with an error."""


class InfectedMediaError(SynapseError):
    def __init__(self, signature: str):
        super().__init__(403, f"Upload refused: the antivirus scanner found {signature} in this file", Codes.FORBIDDEN)


class ScannerUnavailableError(SynapseError):
    def __init__(self) -> None:
        super().__init__(
            503,
            "Upload refused: the antivirus scanner is unavailable and this server does not store unscanned files; try again later",
            Codes.UNKNOWN,
        )


@dataclass(frozen=True)
class ScannerConfig:
    scan_url: str
    token_path: str
    fail_open: bool
    timeout_seconds: float


def _fail(key: str, message: str) -> ConfigError:
    return ConfigError(message, path=(key,))


class AntivirusScanner:
    def __init__(self, config: ScannerConfig, api: ModuleApi, reactor: Any = None):
        self._config = config
        self._token = _read_token(config.token_path)
        if reactor is None:
            from twisted.internet import reactor as global_reactor

            reactor = global_reactor
        self._reactor: IReactorTime = reactor
        pool = HTTPConnectionPool(reactor, persistent=True)
        pool.maxPersistentPerHost = 10
        self._agent = Agent(reactor, connectTimeout=min(10.0, config.timeout_seconds), pool=pool)
        api.register_spam_checker_callbacks(check_media_file_for_spam=self.check_media_file_for_spam)

    @staticmethod
    def parse_config(config: dict[str, Any]) -> ScannerConfig:
        if not isinstance(config, dict):
            raise ConfigError("the module's config must be a mapping")
        url = config.get("scan_url")
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            raise _fail("scan_url", f"scan_url = {url!r} is not an http(s) URL of the scan workers' /scan endpoint")
        token_path = config.get("token_path")
        if not isinstance(token_path, str) or not token_path:
            raise _fail("token_path", f"token_path = {token_path!r}: the path of the scan workers' bearer token file is required")
        try:
            _read_token(token_path)
        except OSError as e:
            raise _fail("token_path", f"token_path = {token_path!r} cannot be read: {e.strerror}") from None
        fail_open = config.get("fail_open", False)
        if not isinstance(fail_open, bool):
            raise _fail("fail_open", f"fail_open = {fail_open!r} is not a boolean (true or false)")
        timeout = config.get("timeout_seconds", 60)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 1 <= timeout <= 3600:
            raise _fail("timeout_seconds", f"timeout_seconds = {timeout!r} is not a number of seconds in 1..3600")
        unknown = sorted(set(config) - {"scan_url", "token_path", "fail_open", "timeout_seconds"})
        if unknown:
            raise _fail(unknown[0], f"unknown option(s) {', '.join(unknown)} (allowed: scan_url, token_path, fail_open, timeout_seconds)")
        return ScannerConfig(scan_url=url, token_path=token_path, fail_open=fail_open, timeout_seconds=float(timeout))

    async def check_media_file_for_spam(self, file_wrapper: Any, file_info: Any) -> Literal["NOT_SPAM"]:
        try:
            verdict = await self._scan(file_wrapper.path)
        except ScannerUnavailable as e:
            SCANS.labels(result="unavailable").inc()
            if self._config.fail_open:
                UNAVAILABLE.labels(action="allowed").inc()
                logger.warning("antivirus scanner unavailable (%s): storing %s unscanned (fail_open)", e, _describe(file_info))
                return NOT_SPAM
            UNAVAILABLE.labels(action="refused").inc()
            logger.warning("antivirus scanner unavailable (%s): refusing %s (fail closed)", e, _describe(file_info))
            raise ScannerUnavailableError() from None
        if verdict.get("result") == "infected":
            SCANS.labels(result="infected").inc()
            signature = str(verdict.get("signature") or "a virus")
            logger.warning("antivirus: refusing %s: %s", _describe(file_info), signature)
            raise InfectedMediaError(signature)
        SCANS.labels(result="clean").inc()
        return NOT_SPAM

    async def _scan(self, path: str) -> dict[str, Any]:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            producer = FileBodyProducer(f, readSize=64 * 1024)
            headers = Headers({
                b"Authorization": [b"Bearer " + self._token.encode()],
                b"Content-Type": [b"application/octet-stream"],
            })
            try:
                d = self._agent.request(b"POST", self._config.scan_url.encode(), headers, producer)
                d.addCallback(lambda response: defer.ensureDeferred(_read_json(response)))
                d.addTimeout(self._config.timeout_seconds, self._reactor)
                status, body = await make_deferred_yieldable(d)
            except defer.TimeoutError:
                raise ScannerUnavailable(f"no verdict within {self._config.timeout_seconds:g} s") from None
            except Exception as e:  # connection refused, reset, DNS: all mean no verdict
                raise ScannerUnavailable(f"{type(e).__name__}: {e}") from None
        if status != 200 or body.get("result") not in ("clean", "infected"):
            raise ScannerUnavailable(f"scan worker answered {status} {body.get('reason', '')} ({size} bytes)")
        return body


async def _read_json(response: Any) -> tuple[int, dict[str, Any]]:
    raw = await readBody(response)
    try:
        body = json.loads(raw)
    except ValueError:
        body = {}
    return response.code, body if isinstance(body, dict) else {}


def _read_token(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        token = f.read().strip()
    if not token:
        raise OSError(0, "the file is empty", path)
    return token


def _describe(file_info: Any) -> str:
    server = getattr(file_info, "server_name", None)
    kind = "thumbnail of " if getattr(file_info, "thumbnail", None) else ""
    origin = f"remote media from {server}" if server else "local media"
    return f"{kind}{origin} {getattr(file_info, 'file_id', '?')}"
