"""A TCP proxy in front of a real redis-server that can cut Redis at a chosen command.

Chaos tests need "Redis went away exactly between command X and command Y" - something a
mock cannot show honestly (a mock would not discard a half-sent MULTI, nor re-queue anything) and
killing redis-server cannot aim at. The proxy forwards bytes to a real Redis, frames the client
side just enough to know where each command starts and ends, and, when an armed command arrives,
forwards what came before it and then drops every connection.

Only ``socket`` and ``threading``: two threads per connection keep the code obvious, and the
framer never rescans bytes it has already parsed, so a pipeline of 100,000 commands costs
linear time however the kernel splits it into reads.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from types import TracebackType

__all__ = ["RedisCutProxy"]

_CHUNK = 256 * 1024
"""Bytes per ``recv``: large enough that a big pipeline moves in few system calls."""

_MAX_LINE = 64 * 1024
"""Longest header or inline line accepted (Redis's own inline limit); beyond it the stream is
treated as something other than RESP and passed through raw, rather than rescanned forever."""

_DRAIN_SECONDS = 5.0
"""How long to wait for Redis to close a connection we half-closed before forcing it shut."""

_TOKEN = re.compile(rb"\S+")

Predicate = Callable[[list[bytes]], bool]


class _NotResp(Exception):
    """The client sent bytes that are not a RESP request; the connection falls back to raw."""


class _Framer:
    """Splits a client byte stream into whole commands, resuming where the last read stopped.

    State survives between reads (which element of which command, how many body bytes are still
    due), so every byte is looked at once: no quadratic rescans when a big command or a long
    pipeline arrives in many pieces. Element positions are kept relative to the command's start
    because ``discard`` shifts the buffer under an incomplete command.
    """

    def __init__(self) -> None:
        self.buf = bytearray()
        self._pos = 0
        self._start = 0
        self._remaining = -1  # elements still due in the current array; -1 between commands
        self._bulk_len = -1  # body length of the element being read; -1 while reading its header
        self._spans: list[tuple[int, int]] = []

    def feed(self, data: bytes) -> None:
        self.buf += data

    def discard(self, n: int) -> None:
        """Drop the first ``n`` bytes (already forwarded); bytearray makes this cheap."""
        del self.buf[:n]
        self._pos -= n
        self._start -= n

    def _line_end(self, at: int) -> int:
        """Index of the ``\\r\\n`` ending the header at ``at``, or -1 if it has not arrived yet."""
        end = self.buf.find(b"\r\n", at, at + _MAX_LINE)
        if end < 0 and len(self.buf) - at >= _MAX_LINE:
            raise _NotResp
        return end

    def next_command(self) -> tuple[int, int, list[tuple[int, int]]] | None:
        """The next complete command as ``(start, end, element spans relative to start)``.

        ``None`` when the rest of the buffer is an incomplete command. An empty array yields a
        command with no spans (forwarded, not counted). Raises ``_NotResp`` on bytes that are not
        a RESP request.
        """
        buf = self.buf
        while True:
            if self._remaining < 0:
                if self._pos >= len(buf):
                    return None
                self._start = start = self._pos
                if buf[start] != 0x2A:  # not '*': an inline command, one line as Redis reads it
                    end = buf.find(b"\n", start, start + _MAX_LINE)
                    if end < 0:
                        if len(buf) - start >= _MAX_LINE:
                            raise _NotResp
                        return None
                    self._pos = end + 1
                    spans = [(m.start() - start, m.end() - start) for m in _TOKEN.finditer(buf, start, end)]
                    return start, self._pos, spans
                end = self._line_end(start)
                if end < 0:
                    return None
                try:
                    count = int(buf[start + 1 : end])
                except ValueError:
                    raise _NotResp from None
                self._pos = end + 2
                if count <= 0:
                    return start, self._pos, []
                self._remaining = count
                self._spans = []
            if self._bulk_len < 0:
                at = self._pos
                end = self._line_end(at)
                if end < 0:
                    return None
                if buf[at] != 0x24:  # not '$': Redis would reject this too
                    raise _NotResp
                try:
                    self._bulk_len = int(buf[at + 1 : end])
                except ValueError:
                    raise _NotResp from None
                if self._bulk_len < 0:
                    raise _NotResp
                self._pos = end + 2
            body = self._pos
            done = body + self._bulk_len + 2
            if len(buf) < done:
                return None
            self._spans.append((body - self._start, body + self._bulk_len - self._start))
            self._pos = done
            self._bulk_len = -1
            self._remaining -= 1
            if self._remaining == 0:
                self._remaining = -1
                return self._start, done, self._spans


class _Cut:
    """An armed cut: which command, how many more matches to let through, what then."""

    def __init__(self, name: bytes, occurrence: int, down_for: float | None, when: Predicate | None) -> None:
        self.name = name
        self.left = occurrence
        self.down_for = down_for
        self.when = when


class _Connection:
    """One client connection and its own upstream connection to Redis.

    Each client gets its own upstream socket (no multiplexing) so that closing it is exactly what
    Redis sees when a real client vanishes: a half-sent MULTI is discarded, a blocked BLPOP is
    dropped.
    """

    def __init__(self, client: socket.socket, upstream: socket.socket) -> None:
        self.client = client
        self.upstream = upstream
        self.aborted = False
        self.drained = threading.Event()  # upstream reported EOF: Redis is done with this client
        self.threads: list[threading.Thread] = []

    def abort(self) -> None:
        """Stop this connection now; Redis still gets a clean EOF after what was already sent.

        ``shutdown`` rather than ``close``: it wakes the threads blocked in ``recv`` on these
        sockets (closing an fd another thread is blocked on does not), and the threads close the
        sockets themselves once they are out. Only the write half of the upstream socket is shut,
        so the upstream reader can still see Redis close its end - proof that Redis has processed
        everything sent before the cut.
        """
        self.aborted = True
        _shutdown(self.client, socket.SHUT_RDWR)
        _shutdown(self.upstream, socket.SHUT_WR)


def _shutdown(sock: socket.socket, how: int) -> None:
    with contextlib.suppress(OSError):  # already closed or never connected: no traffic either way
        sock.shutdown(how)


def _no_delay(sock: socket.socket) -> None:
    """Forward small writes at once; Nagle plus delayed ACKs would add 40 ms per round trip."""
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class RedisCutProxy:
    """Forwards TCP to a real Redis and, on request, cuts every connection at a chosen command."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self._upstream = (upstream_host, upstream_port)
        self.port: int = 0
        """The local port, known once ``start`` has bound it (0 before)."""
        self.cut_done = threading.Event()
        """Set once a cut has happened: every connection closed and Redis has seen each close."""
        self._lock = threading.Lock()
        self._conns: set[_Connection] = set()
        self._armed: _Cut | None = None
        self._down = False
        self._down_until: float | None = None
        self._stopping = False
        self._seen: Counter[str] = Counter()
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def url(self, db: int = 0) -> str:
        """Where clients should connect instead of Redis."""
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        """Bind a free port and accept in a daemon thread; returns once clients can connect."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1024)  # hundreds of clients may connect in the same instant
        self.port = int(listener.getsockname()[1])
        self._listener = listener
        with self._lock:
            self._seen.clear()
            self._stopping = False
        self._acceptor = threading.Thread(
            target=self._accept_loop, name=f"cut-proxy-{self.port}", daemon=True
        )
        self._acceptor.start()

    def stop(self) -> None:
        """Close the listener and every connection, hard (no waiting for Redis to drain)."""
        with self._lock:
            self._stopping = True
            conns = list(self._conns)
        if self._listener is not None:
            _shutdown(self._listener, socket.SHUT_RDWR)  # wakes the accept() blocked on it
        if self._acceptor is not None:
            self._acceptor.join(5)
        if self._listener is not None:
            self._listener.close()
        for conn in conns:
            conn.abort()
            _shutdown(conn.upstream, socket.SHUT_RDWR)
        for conn in conns:
            for thread in conn.threads:
                thread.join(5)

    def __enter__(self) -> RedisCutProxy:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- chaos -------------------------------------------------------------------------------

    def cut_at(
        self,
        command: str,
        occurrence: int = 1,
        *,
        down_for: float | None = None,
        when: Predicate | None = None,
    ) -> None:
        """Cut everything when the ``occurrence``-th matching command arrives, counted from now.

        A command matches when its name equals ``command`` (case-insensitive) and ``when`` (if
        given) is true for its whole argument list as bytes, name first (``args[0]``), so
        ``args[1]`` is usually the key. That command and everything after it in the same read are
        not forwarded; the commands before it are, and Redis has processed them before
        ``cut_done`` is set. Then every connection is closed and new ones are refused for
        ``down_for`` seconds, or until ``restore()`` if ``None``. Matches are counted across all
        connections. Arming replaces any earlier armed cut and clears ``cut_done``. A ``when``
        that raises closes only the connection it was judging (traceback via threading's hook).
        """
        if occurrence < 1:
            raise ValueError("occurrence counts from 1")
        with self._lock:
            self._armed = _Cut(command.upper().encode(), occurrence, down_for, when)
            self.cut_done.clear()

    def cut_now(self, *, down_for: float | None = None) -> None:
        """Close every connection now and refuse new ones, as an armed cut would; returns when done."""
        with self._lock:
            self._armed = None
            self.cut_done.clear()
        self._cut(down_for)

    def restore(self) -> None:
        """Accept and forward again (ends a ``down_for=None`` outage, or a timed one early)."""
        with self._lock:
            self._down = False
            self._down_until = None

    def commands_seen(self, name: str) -> int:
        """How many commands named ``name`` (case-insensitive) were forwarded since ``start``."""
        with self._lock:
            return self._seen[name.upper()]

    # -- internals ---------------------------------------------------------------------------

    def _is_down(self) -> bool:
        """Whether new connections are refused; a timed outage ends by itself. Caller holds the lock."""
        if self._down and self._down_until is not None and time.monotonic() >= self._down_until:
            self._down = False
            self._down_until = None
        return self._down

    def _cut(self, down_for: float | None) -> None:
        """Refuse, close every connection, wait until Redis has closed each, then start the clock.

        Waiting for Redis's side of every close is what makes ``cut_done`` a usable barrier: when
        it is set, the commands forwarded before the cut are applied and any open MULTI is
        discarded, so a test may inspect Redis straight away. The ``down_for`` window starts
        after that, so a slow drain does not eat into it.
        """
        with self._lock:
            self._down = True
            self._down_until = None
            conns = list(self._conns)
        for conn in conns:
            conn.abort()
        deadline = time.monotonic() + _DRAIN_SECONDS
        for conn in conns:
            if not conn.drained.wait(max(0.0, deadline - time.monotonic())):
                _shutdown(conn.upstream, socket.SHUT_RDWR)
        with self._lock:
            if self._down and down_for is not None:
                self._down_until = time.monotonic() + down_for
        self.cut_done.set()

    def _accept_loop(self) -> None:
        listener = self._listener
        assert listener is not None
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # listener shut down by stop()
            with self._lock:
                refuse = self._stopping or self._is_down()
            if refuse:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self._upstream, timeout=5)
            except OSError:
                client.close()  # Redis itself is unreachable: the client sees that, as without us
                continue
            upstream.settimeout(None)
            _no_delay(client)
            _no_delay(upstream)
            conn = _Connection(client, upstream)
            with self._lock:
                # Checked again under the lock: a cut that ran while we were connecting upstream
                # did not see this connection, so it must not slip through the outage.
                refuse = self._stopping or self._is_down()
                if not refuse:
                    self._conns.add(conn)
            if refuse:
                upstream.close()
                client.close()
                continue
            conn.threads = [
                threading.Thread(target=self._upstream_to_client, args=(conn,), daemon=True),
                threading.Thread(target=self._client_to_upstream, args=(conn,), daemon=True),
            ]
            for thread in conn.threads:
                thread.start()

    def _upstream_to_client(self, conn: _Connection) -> None:
        """Copy replies raw until Redis closes; keep reading after the client is gone.

        Reading to EOF even when nothing can be delivered is how the proxy learns that Redis has
        finished with this connection (see ``_cut``).
        """
        buf = bytearray(_CHUNK)
        view = memoryview(buf)
        deliver = True
        try:
            while True:
                try:
                    n = conn.upstream.recv_into(buf)
                except OSError:
                    break
                if n == 0:
                    break
                if deliver and not conn.aborted:
                    try:
                        conn.client.sendall(view[:n])
                    except OSError:
                        deliver = False
        finally:
            conn.drained.set()
            _shutdown(conn.client, socket.SHUT_RDWR)  # Redis hung up: so does the client's side

    def _client_to_upstream(self, conn: _Connection) -> None:
        """Frame client bytes into commands, forward whole commands, and fire an armed cut."""
        framer: _Framer | None = _Framer()
        try:
            while not conn.aborted:
                try:
                    data = conn.client.recv(_CHUNK)
                except OSError:
                    break
                if not data or conn.aborted:
                    break
                if framer is None:
                    conn.upstream.sendall(data)
                    continue
                framer.feed(data)
                try:
                    upto, counts, cut = self._scan(framer)
                except _NotResp:
                    # Not RESP: Redis will answer with a protocol error and hang up; stay out of
                    # the way and pass everything through from here on.
                    conn.upstream.sendall(framer.buf)
                    framer = None
                    continue
                if upto:
                    with memoryview(framer.buf) as view:
                        conn.upstream.sendall(view[:upto])
                    framer.discard(upto)
                if counts:
                    with self._lock:
                        for name, count in counts.items():
                            self._seen[name.decode("latin-1").upper()] += count
                if cut is not None:
                    self._cut(cut.down_for)
                    return
        except OSError:
            pass  # the other side went away mid-write; the cleanup below is the same
        finally:
            self._finish(conn)

    def _scan(self, framer: _Framer) -> tuple[int, Counter[bytes], _Cut | None]:
        """Walk the complete commands in the buffer: how far to forward, their names, and a cut.

        The name comparison and the countdown happen only while a cut is armed, and the lock only
        when the name matches, so plain forwarding costs one attribute read per command.
        """
        counts: Counter[bytes] = Counter()
        upto = 0
        buf = framer.buf
        while (command := framer.next_command()) is not None:
            start, end, spans = command
            if spans:
                first, last = spans[0]
                name = bytes(buf[start + first : start + last])
                armed = self._armed
                if armed is not None and name.upper() == armed.name:
                    fired = self._countdown(armed, [bytes(buf[start + a : start + b]) for a, b in spans])
                    if fired:
                        return start, counts, armed
                counts[name] += 1
            upto = end
        return upto, counts, None

    def _countdown(self, armed: _Cut, args: list[bytes]) -> bool:
        """Count one match against ``armed``; True (and disarm) if this is the one to cut at."""
        if armed.when is not None and not armed.when(args):
            return False
        with self._lock:
            if self._armed is not armed:
                return False  # re-armed or fired by another connection meanwhile
            armed.left -= 1
            if armed.left > 0:
                return False
            self._armed = None
            return True

    def _finish(self, conn: _Connection) -> None:
        """Let Redis see EOF after everything forwarded, wait for it to hang up, then close.

        Half-closing (rather than closing) the upstream socket matters: a close with unread
        replies pending would send a RST, and Redis could then drop commands it had not read yet.
        """
        _shutdown(conn.upstream, socket.SHUT_WR)
        if not conn.drained.wait(_DRAIN_SECONDS):
            _shutdown(conn.upstream, socket.SHUT_RDWR)
        _shutdown(conn.client, socket.SHUT_RDWR)
        for thread in conn.threads:
            if thread is not threading.current_thread():
                thread.join(_DRAIN_SECONDS)
        conn.client.close()
        conn.upstream.close()
        with self._lock:
            self._conns.discard(conn)
