"""A tiny HTTP server that hands out one recording, standing in for a customer's recording system.

Gong's add-call takes a ``downloadMediaUrl`` and fetches the media itself, so a recording never
crosses the broker or a model prompt. The demo and the tests serve their recording from here.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import struct
import threading
import wave
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def tone_wav(seconds: float = 1.0, frequency: float = 440.0, rate: int = 8000) -> bytes:
    """A short mono sine tone as WAV bytes: a real, playable recording for the demo."""
    frames = b"".join(
        struct.pack("<h", int(12000 * math.sin(2 * math.pi * frequency * i / rate)))
        for i in range(int(seconds * rate))
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()


class ServedMedia:
    """Where the served recording lives and what its bytes hash to."""

    def __init__(self, url: str, content: bytes) -> None:
        self.url = url
        self.sha256 = hashlib.sha256(content).hexdigest()
        self.size = len(content)


@contextlib.contextmanager
def serving(content: bytes, filename: str = "recording.wav") -> Iterator[ServedMedia]:
    """Serve ``content`` at ``http://127.0.0.1:<port>/<filename>`` until the block ends."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?")[0] != f"/{filename}":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "audio/wav")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, name="media-server", daemon=True)
    thread.start()
    try:
        yield ServedMedia(f"http://127.0.0.1:{server.server_address[1]}/{filename}", content)
    finally:
        server.shutdown()
        server.server_close()
