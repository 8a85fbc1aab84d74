"""``python -m sandbox --host 127.0.0.1 --port 8765`` (the same as ``gongq sandbox``)."""

from __future__ import annotations

import argparse

from sandbox.app import serve
from sandbox.config import SandboxConfig

parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, default=8765)
args = parser.parse_args()
serve(args.host, args.port, SandboxConfig.from_env())
