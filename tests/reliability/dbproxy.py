"""A loopback TCP proxy in front of PostgreSQL that a test can cut: a database outage.

    with DbProxy("127.0.0.1", 5432) as proxy:
        url = proxy.url_for(db_url)        # the same database, through the proxy
        ...
        proxy.cut()                        # every connection reset, new ones refused
        proxy.restore()

Only loopback addresses; it stops with the ``with`` block.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from types import TracebackType

from sqlalchemy.engine import make_url


class DbProxy:
    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.down = threading.Event()
        self.stopped = threading.Event()
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)

    @classmethod
    def for_url(cls, db_url: str) -> DbProxy:
        url = make_url(db_url)
        return cls(url.host or "127.0.0.1", url.port or 5432)

    def url_for(self, db_url: str) -> str:
        url = make_url(db_url).set(host="127.0.0.1", port=self.port)
        return url.render_as_string(hide_password=False)

    def __enter__(self) -> DbProxy:
        self.thread.start()
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stopped.set()
        self.cut()
        self.listener.close()

    def cut(self) -> None:
        """Reset every open connection and refuse (reset) new ones until ``restore``."""
        self.down.set()
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
                    sock.close()
            self.sockets.clear()

    def restore(self) -> None:
        self.down.clear()

    def _accept(self) -> None:
        self.listener.settimeout(0.2)
        while not self.stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            if self.down.is_set():
                client.close()
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        peers = {a: b, b: a}
        try:
            while not self.down.is_set():
                ready, _, _ = select.select([a, b], [], [], 0.2)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except (OSError, ValueError):
            return
        finally:
            for sock in (a, b):
                with contextlib.suppress(OSError):
                    sock.close()
