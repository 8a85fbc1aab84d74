"""Celery broker messages written straight to Redis, for enqueueing in bulk.

Celery's ``send_task`` is the reference for what is written here; a test keeps the two equal.
"""

from __future__ import annotations

import base64
import json
import uuid

from worker.app import RUN_TASK


def celery_message(task_id: str, queue: str, *, origin: str, reply_to: str) -> str:
    """The broker message ``send_task("gongq.run", [task_id], queue=queue)`` would LPUSH, as JSON.

    Celery's ``send_task`` costs ~0.2-1 ms per message (it re-copies entities, subscribes the
    result backend to each task and publishes a ``task-sent`` event), which alone would take a
    100,000-row erasure list past its 20-second budget. Bulk enqueueing therefore writes the same
    Celery protocol-2 message in kombu's Redis envelope (priority 0 goes to the list named after
    the queue) through a pipeline. ``tests/integration/test_batch_*`` checks that it has the
    same shape as ``send_task``'s and that a real worker runs it.
    """
    message_id = str(uuid.uuid4())
    body = json.dumps([[task_id], {}, {"callbacks": None, "errbacks": None, "chain": None, "chord": None}])
    return json.dumps(
        {
            "body": base64.b64encode(body.encode()).decode(),
            "content-encoding": "utf-8",
            "content-type": "application/json",
            "headers": {
                "lang": "py",
                "task": RUN_TASK,
                "id": message_id,
                "shadow": None,
                "eta": None,
                "expires": None,
                "group": None,
                "group_index": None,
                "retries": 0,
                "timelimit": [None, None],
                "root_id": message_id,
                "parent_id": None,
                "argsrepr": repr([task_id]),
                "kwargsrepr": "{}",
                "origin": origin,
                "ignore_result": None,
                "replaced_task_nesting": 0,
                "stamped_headers": None,
                "stamps": {},
            },
            "properties": {
                "correlation_id": message_id,
                "reply_to": reply_to,
                "delivery_mode": 2,
                "delivery_info": {"exchange": "", "routing_key": queue},
                "priority": 0,
                "body_encoding": "base64",
                "delivery_tag": str(uuid.uuid4()),
            },
        }
    )
