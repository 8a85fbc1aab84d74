"""``python -m producer`` is ``gongq`` (used to start child processes with the same interpreter)."""

from producer.cli import main

main()
