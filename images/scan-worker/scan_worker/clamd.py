"""clamd's INSTREAM protocol over TCP (clamd(8), "INSTREAM").

A session is `zINSTREAM\\0`, then chunks each prefixed by their length as a 4-byte big-endian
unsigned integer, then a zero-length chunk; clamd answers one NUL-terminated line:
`stream: OK`, `stream: <signature> FOUND`, or `... ERROR` (for example when the stream exceeds
its StreamMaxLength).
"""
from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass
from typing import AsyncIterable


class ClamdUnavailable(Exception):
    """clamd could not be reached or closed the connection before answering."""


class ClamdError(Exception):
    """clamd answered with an error instead of a verdict."""


@dataclass(frozen=True)
class Verdict:
    infected: bool
    signature: str | None = None


def parse_reply(reply: bytes) -> Verdict:
    text = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    # zINSTREAM replies "stream: OK" (some builds omit the "stream: " prefix on errors).
    body = text.split(": ", 1)[1] if text.startswith("stream: ") else text
    if body == "OK":
        return Verdict(False)
    if body.endswith(" FOUND"):
        return Verdict(True, body[: -len(" FOUND")])
    raise ClamdError(text)


async def _read_reply(reader: asyncio.StreamReader) -> bytes:
    try:
        return await reader.readuntil(b"\0")
    except asyncio.IncompleteReadError as e:
        if e.partial:
            return e.partial
        raise ClamdUnavailable("clamd closed the connection without a reply") from None


async def instream(host: str, port: int, chunks: AsyncIterable[bytes]) -> Verdict:
    """Streams `chunks` to clamd and returns its verdict. Timeouts are the caller's."""
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError as e:
        raise ClamdUnavailable(f"cannot connect to clamd at {host}:{port}: {e.strerror or e}") from None
    try:
        writer.write(b"zINSTREAM\0")
        async for chunk in chunks:
            if not chunk:
                continue
            writer.write(struct.pack(">I", len(chunk)) + chunk)
            try:
                await writer.drain()
            except (ConnectionError, OSError):
                # clamd hangs up mid-stream when the stream passes its StreamMaxLength; its
                # reply (an ERROR line) is still readable.
                return parse_reply(await _read_reply(reader))
        writer.write(struct.pack(">I", 0))
        try:
            await writer.drain()
        except (ConnectionError, OSError):
            pass
        return parse_reply(await _read_reply(reader))
    except (ConnectionError, OSError) as e:
        raise ClamdUnavailable(f"clamd at {host}:{port} dropped the connection: {e}") from None
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (ConnectionError, OSError):
            pass


async def ping(host: str, port: int) -> bool:
    """clamd's PING: true when it answers PONG (it does once its signatures are loaded)."""
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        return False
    try:
        writer.write(b"zPING\0")
        await writer.drain()
        return (await _read_reply(reader)).rstrip(b"\0") == b"PONG"
    except (ClamdUnavailable, ConnectionError, OSError):
        return False
    finally:
        writer.close()
