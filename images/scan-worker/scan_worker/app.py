"""The HTTP side: POST /scan streams the body to clamd; /healthz and /readyz for the kubelet."""
from __future__ import annotations

import asyncio
import hmac
import logging
import time
from typing import AsyncIterator

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from . import clamd, metrics
from .config import Settings

log = logging.getLogger("scan_worker")


class TooLarge(Exception):
    pass


def _authorized(request: web.Request, token: str) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, presented = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode())


def _error(status: int, reason: str, message: str) -> web.Response:
    metrics.ERRORS.labels(reason=reason).inc()
    return web.json_response({"result": "error", "reason": reason, "error": message}, status=status)


async def _body(request: web.Request, settings: Settings) -> AsyncIterator[bytes]:
    seen = 0
    async for chunk in request.content.iter_chunked(settings.chunk_bytes):
        seen += len(chunk)
        if seen > settings.max_bytes:
            raise TooLarge()
        metrics.BYTES.inc(len(chunk))
        yield chunk


def make_app(settings: Settings) -> web.Application:
    async def scan(request: web.Request) -> web.StreamResponse:
        if not _authorized(request, settings.token):
            return _error(401, "unauthorized", "a valid bearer token is required")
        if request.content_length is not None and request.content_length > settings.max_bytes:
            return _error(413, "too_large", f"the file is larger than the upload limit of {settings.max_bytes} bytes")
        started = time.monotonic()
        try:
            async with asyncio.timeout(settings.timeout_seconds):
                verdict = await clamd.instream(settings.clamd_host, settings.clamd_port, _body(request, settings))
        except TooLarge:
            return _error(413, "too_large", f"the file is larger than the upload limit of {settings.max_bytes} bytes")
        except TimeoutError:
            return _error(504, "timeout", f"no verdict within {settings.timeout_seconds:g} s")
        except clamd.ClamdUnavailable as e:
            log.warning("clamd unavailable: %s", e)
            return _error(503, "clamd_unavailable", "the virus scanner is unavailable")
        except clamd.ClamdError as e:
            log.warning("clamd error: %s", e)
            return _error(502, "clamd_error", f"the virus scanner failed: {e}")
        except (ConnectionResetError, asyncio.IncompleteReadError):
            return _error(400, "client_aborted", "the upload ended early")
        metrics.DURATION.observe(time.monotonic() - started)
        metrics.SCANNED.inc()
        if verdict.infected:
            metrics.INFECTED.inc()
            log.info("infected upload refused: %s", verdict.signature)
            return web.json_response({"result": "infected", "signature": verdict.signature})
        return web.json_response({"result": "clean"})

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_request: web.Request) -> web.Response:
        # Ready only while clamd answers: a worker that cannot scan takes no traffic.
        if await clamd.ping(settings.clamd_host, settings.clamd_port):
            return web.json_response({"status": "ready"})
        return web.json_response({"status": "clamd unavailable"}, status=503)

    # The body is streamed, never buffered: client_max_size only bounds what aiohttp reads itself.
    app = web.Application(client_max_size=1024)
    app.router.add_post("/scan", scan)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app


def make_metrics_app() -> web.Application:
    async def serve(_request: web.Request) -> web.Response:
        return web.Response(body=generate_latest(metrics.REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/metrics", serve)
    return app
