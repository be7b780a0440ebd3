"""Sending a large body over a real loopback socket, and watching the process's memory."""

from __future__ import annotations

import os
import select
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

MB = 1024 * 1024
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Answer:
    status: int
    body: bytes
    sent: int


def chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """`total` bytes of a JSON-ish filler, `size` at a time, made as they are sent."""
    piece = b"[" * size
    sent = 0
    while sent < total:
        yield piece[: min(size, total - sent)]
        sent += size


def _chunked(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def post_stream(url: str, path: str, total: int, *, declare: bool, timeout: float = 30) -> Answer:
    """POST `total` bytes to `path`, chunked unless `declare` (then with Content-Length).

    Sending stops as soon as the server answers or stops reading; the answer's status
    and body are returned with how many body bytes went out."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
    framing = f"Content-Length: {total}" if declare else "Transfer-Encoding: chunked"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Content-Type: application/json\r\n{framing}\r\n\r\n"
    )
    sock.sendall(head.encode())
    sent = _send_until_answered(sock, total, declare, time.monotonic() + timeout)
    status, body = _read_answer(sock, time.monotonic() + timeout)
    sock.close()
    return Answer(status, body, sent)


def _send_until_answered(sock: socket.socket, total: int, declare: bool, deadline: float) -> int:
    sent = 0
    for chunk in chunks(total):
        data = chunk if declare else _chunked(chunk)
        view = memoryview(data)
        while view:
            readable, writable, _ = select.select([sock], [sock], [], 0.5)
            if readable or time.monotonic() > deadline:
                return sent
            if writable:
                try:
                    view = view[sock.send(view) :]
                except OSError:
                    return sent
        sent += len(chunk)
    if not declare:
        sock.sendall(b"0\r\n\r\n")
    return sent


def _read_answer(sock: socket.socket, deadline: float) -> tuple[int, bytes]:
    data = b""
    while b"\r\n\r\n" not in data or not _complete(data):
        if time.monotonic() > deadline:
            break
        try:
            more = sock.recv(65536)
        except OSError:
            break
        if not more:
            break
        data += more
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else 0
    return status, body


def _complete(data: bytes) -> bool:
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


class PeakMemory:
    """The process's resident memory, sampled every few ms: peak growth over the start."""

    def __init__(self) -> None:
        self.baseline = self.peak = _rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, _rss())

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())

    @property
    def growth(self) -> int:
        return self.peak - self.baseline


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE
