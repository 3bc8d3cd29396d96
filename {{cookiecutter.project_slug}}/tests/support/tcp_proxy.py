"""A TCP proxy in front of a real service, for tests that need the service to fail.

The fault tests put it between the project and a service it uses, then pause it
(connections stay open but no byte moves: a hung server) or refuse through it (open
connections are reset and new ones refused: a server that is down), and restore it to
see the project recover.
"""

import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit, urlunsplit

BUFFER_SIZE = 65536


class TcpProxy:
    """Forwards 127.0.0.1:<port> to ``upstream``; start() it, or use it as a context manager."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self._flowing = threading.Event()
        self._flowing.set()
        self._refusing = False
        self._lock = threading.Lock()
        self._connections: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self._stopped = threading.Event()

    @classmethod
    def for_url(cls, url: str) -> Self:
        """A proxy for the host and port a service URL names."""
        parts = urlsplit(url)
        if not parts.hostname or not parts.port:
            raise ValueError(f"{url} must name a host and a port")
        return cls(parts.hostname, parts.port)

    def url(self, original: str) -> str:
        """``original`` with its host and port replaced by the proxy's."""
        parts = urlsplit(original)
        credentials = parts.netloc.rpartition("@")[0]
        netloc = f"{credentials}@127.0.0.1:{self.port}" if credentials else f"127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=netloc))

    def start(self) -> Self:
        self._listen()
        threading.Thread(target=self._accept_loop, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._flowing.set()
        self._close_listener()
        self._reset_connections()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """A hung server: connections open, nothing answered, until the block ends."""
        self._flowing.clear()
        try:
            yield
        finally:
            self._flowing.set()

    @contextmanager
    def refusing(self) -> Iterator[None]:
        """A server that is down: open connections reset, new ones refused, until the block ends."""
        with self._lock:
            self._refusing = True
        self._close_listener()
        self._reset_connections()
        try:
            yield
        finally:
            with self._lock:
                self._refusing = False
            self._listen()
            threading.Thread(target=self._accept_loop, daemon=True).start()

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self.port = listener.getsockname()[1]
        self._listener = listener

    def _close_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone may not.
            with suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()

    def _reset_connections(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
        for sock in connections:
            # A zero linger turns close() into a reset, as when a server process dies.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # close() alone would leave the socket open while a pump thread waits in
            # recv() on it: shutdown() wakes the thread and tells the peer at once.
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept_loop(self) -> None:
        listener = self._listener
        while listener is not None and not self._stopped.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                if self._refusing:
                    client.close()
                    server.close()
                    continue
                self._connections += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while True:
                data = source.recv(BUFFER_SIZE)
                if not data:
                    break
                self._flowing.wait()
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
