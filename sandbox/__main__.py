"""``python -m sandbox --host 127.0.0.1 --port 8765`` (the same as ``gongq sandbox``)."""

from __future__ import annotations

import argparse

from sandbox.app import serve
from sandbox.config import SandboxConfig

parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, default=8765)
args = parser.parse_args()
try:
    config = SandboxConfig.from_env()
except ValueError as error:  # a GONGQ_SANDBOX_* value that does not parse (the message names it)
    parser.error(str(error))
serve(args.host, args.port, config)
