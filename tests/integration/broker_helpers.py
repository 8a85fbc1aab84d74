"""Reading kombu's Redis transport from a test: is a task's message still anywhere in the broker?

Used to tell a known Celery/kombu gap (a message popped by BRPOP but not yet recorded as unacked
when its consumer loses the connection is gone; celery/celery#4354, kombu#305) from a gongq bug.
"""

from __future__ import annotations

import base64
import json

import redis

from worker.operations import Lane


def _task_ids_in(raw: str) -> str:
    """The message body's text (kombu base64-encodes it inside the JSON envelope)."""
    try:
        envelope = json.loads(raw)
    except json.JSONDecodeError:
        return raw
    if isinstance(envelope, list):  # unacked entries are [message, exchange, routing key]
        envelope = envelope[0]
    body = envelope.get("body", "") if isinstance(envelope, dict) else ""
    try:
        return base64.b64decode(body).decode(errors="replace")
    except ValueError:
        return str(body)


def messages_in_broker(broker: redis.Redis[str]) -> str:
    """Every queued and unacknowledged task message body, concatenated."""
    bodies = [_task_ids_in(m) for lane in Lane for m in broker.lrange(lane.value, 0, -1)]
    bodies += [_task_ids_in(m) for m in broker.hvals("unacked")]
    return "\n".join(bodies)


def lost_by_the_broker(broker: redis.Redis[str], stuck: list[str]) -> bool:
    """True when none of the ``stuck`` task ids has a message in the broker any more."""
    held = messages_in_broker(broker)
    return all(task_id not in held for task_id in stuck)
