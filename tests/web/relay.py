"""A TCP relay on 127.0.0.1 that can go silent: the network failures a socket does not
report (a partition, a firewall dropping its state, a frozen host), made on demand."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from collections.abc import Iterator


class _Link:
    """One relayed connection: a thread per direction."""

    def __init__(self, client: socket.socket, server: socket.socket) -> None:
        self.sockets = (client, server)
        # Held while bytes move, so that once freeze() returns none move any more.
        self.lock = threading.Lock()
        self.frozen = False
        self.closed = threading.Event()
        for source, sink in ((client, server), (server, client)):
            threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        while not self.closed.is_set():
            try:
                readable, _, _ = select.select([source], [], [], 0.02)
                if not readable:
                    continue
                with self.lock:
                    if self.frozen:
                        # Bytes wait in the kernel's buffers, as behind a dead link.
                        self.closed.wait(0.02)
                        continue
                    data = source.recv(65536)
                    if not data:
                        break
                    sink.sendall(data)
            except OSError:
                break
        self.close()

    def freeze(self) -> None:
        with self.lock:
            self.frozen = True

    def thaw(self) -> None:
        with self.lock:
            self.frozen = False

    def cut(self) -> None:
        """Close both sides at once, as a middlebox resetting the connection does."""
        self.close()

    def close(self) -> None:
        self.closed.set()
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


class Relay:
    """Relays every connection to ``127.0.0.1:upstream``. :meth:`freeze` stops moving
    bytes, both ways, on every connection open now, closing nothing; connections made
    afterwards are relayed as usual."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.links: list[_Link] = []
        self.accepted = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            try:
                server = socket.create_connection(("127.0.0.1", self.upstream), timeout=1)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self.links.append(_Link(client, server))
                self.accepted += 1

    def _open(self) -> list[_Link]:
        with self._lock:
            self.links = [link for link in self.links if not link.closed.is_set()]
            return list(self.links)

    def freeze(self) -> None:
        for link in self._open():
            link.freeze()

    def thaw(self) -> None:
        for link in self._open():
            link.thaw()

    def cut(self) -> None:
        for link in self._open():
            link.cut()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes accept(); close() alone does not
        self.listener.close()
        for link in self._open():
            link.close()


@contextlib.contextmanager
def relaying(upstream: int) -> Iterator[Relay]:
    relay = Relay(upstream)
    try:
        yield relay
    finally:
        relay.close()
