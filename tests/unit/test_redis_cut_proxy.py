"""The Redis cut proxy: transparent until armed, then cuts exactly where asked and nowhere else.

Every test runs against a real redis-server of its own, because the point of the proxy is what
real Redis does when a connection dies mid-pipeline or mid-MULTI.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from producer.processes import Processes, free_port
from tests.redis_cut_proxy import RedisCutProxy


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with Processes() as procs:
        yield procs.ensure_redis(f"redis://127.0.0.1:{free_port()}/0")


@pytest.fixture()
def direct(redis_url: str) -> Iterator[redis.Redis[bytes]]:
    """A client straight to Redis (not through the proxy), on an empty database."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.close()


@pytest.fixture()
def proxy(redis_url: str, direct: redis.Redis[bytes]) -> Iterator[RedisCutProxy]:
    parts = urlsplit(redis_url)
    assert parts.hostname is not None and parts.port is not None
    with RedisCutProxy(parts.hostname, parts.port) as running:
        yield running


def through(proxy: RedisCutProxy) -> redis.Redis[bytes]:
    """A client via the proxy that does not retry: redis-py 8 retries 3 times by default, which
    would re-send a cut pipeline once the proxy is back and hide the cut from the test."""
    return redis.Redis.from_url(proxy.url(), retry=Retry(NoBackoff(), 0), socket_timeout=5)


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


def answers(proxy: RedisCutProxy) -> bool:
    client = through(proxy)
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False
    finally:
        client.close()


def test_commands_pass_through_and_are_counted(proxy: RedisCutProxy, direct: redis.Redis[bytes]) -> None:
    client = through(proxy)
    assert client.set("k", "v")
    assert client.get("k") == b"v"
    pipe = client.pipeline(transaction=False)
    for i in range(10_000):
        pipe.rpush("list", i)
    assert pipe.execute()[-1] == 10_000
    assert direct.llen("list") == 10_000
    assert (proxy.commands_seen("SET"), proxy.commands_seen("get"), proxy.commands_seen("RPUSH")) == (
        1,
        1,
        10_000,
    )
    assert not proxy.cut_done.is_set()


def test_cut_at_a_pipelined_command_forwards_only_what_came_before_it(
    proxy: RedisCutProxy, direct: redis.Redis[bytes]
) -> None:
    proxy.cut_at("LPUSH")
    pipe = through(proxy).pipeline(transaction=False)
    pipe.set("a", 1).lpush("q", "x").set("b", 1)
    with pytest.raises(redis.ConnectionError):
        pipe.execute()
    assert proxy.cut_done.wait(5)
    proxy.restore()
    assert (direct.exists("a"), direct.exists("q"), direct.exists("b")) == (1, 0, 0)
    assert (proxy.commands_seen("SET"), proxy.commands_seen("LPUSH")) == (1, 0)


def test_cut_at_exec_discards_the_whole_transaction(proxy: RedisCutProxy, direct: redis.Redis[bytes]) -> None:
    proxy.cut_at("EXEC")
    pipe = through(proxy).pipeline(transaction=True)
    pipe.set("t1", 1).incr("t2")
    with pytest.raises(redis.ConnectionError):
        pipe.execute()
    assert proxy.cut_done.wait(5)
    proxy.restore()
    # MULTI and the queued commands did reach Redis; closing the connection discarded them.
    assert (proxy.commands_seen("MULTI"), proxy.commands_seen("SET"), proxy.commands_seen("EXEC")) == (
        1,
        1,
        0,
    )
    assert (direct.exists("t1"), direct.exists("t2")) == (0, 0)


def test_occurrence_cuts_at_the_nth_match_from_any_connection(
    proxy: RedisCutProxy, direct: redis.Redis[bytes]
) -> None:
    first, second = through(proxy), through(proxy)
    assert first.incr("n") == 1  # before arming: not counted
    proxy.cut_at("incrby", 3)  # redis-py's incr() sends INCRBY; names match case-insensitively
    assert first.incr("n") == 2
    assert second.incr("n") == 3
    assert not proxy.cut_done.is_set()
    with pytest.raises(redis.ConnectionError):
        first.incr("n")
    assert proxy.cut_done.wait(5)
    assert direct.get("n") == b"3"
    with pytest.raises(redis.ConnectionError):
        second.get("n")  # the cut closed the other connection too, and refuses its reconnect


def test_when_filter_cuts_only_at_the_matching_arguments(
    proxy: RedisCutProxy, direct: redis.Redis[bytes]
) -> None:
    proxy.cut_at("HSET", when=lambda args: b"target" in args[1])
    client = through(proxy)
    assert client.hset("other", "f", "v") == 1
    assert client.set("target-but-not-hset", "v")
    assert not proxy.cut_done.is_set()
    with pytest.raises(redis.ConnectionError):
        client.hset("the-target-hash", "f", "v")
    assert proxy.cut_done.wait(5)
    assert (direct.exists("other"), direct.exists("the-target-hash")) == (1, 0)


def test_down_for_refuses_new_connections_then_accepts_again(proxy: RedisCutProxy) -> None:
    assert answers(proxy)
    began = time.monotonic()
    proxy.cut_now(down_for=1.0)
    assert proxy.cut_done.is_set()
    assert not answers(proxy)
    assert wait_for(lambda: answers(proxy))
    assert time.monotonic() - began >= 1.0


def test_without_down_for_the_outage_lasts_until_restore(proxy: RedisCutProxy) -> None:
    client = through(proxy)
    assert client.ping()
    proxy.cut_now()
    with pytest.raises(redis.ConnectionError):
        client.ping()  # the open connection was closed
    assert not answers(proxy)
    proxy.restore()
    assert answers(proxy)


def test_a_command_split_into_single_bytes_is_still_found_and_cut(
    proxy: RedisCutProxy, direct: redis.Redis[bytes]
) -> None:
    proxy.cut_at("SET", when=lambda args: args[1] == b"second")
    with socket.create_connection(("127.0.0.1", proxy.port)) as raw:
        raw.sendall(b"PING\r\n")  # inline commands pass as they are
        assert raw.recv(100) == b"+PONG\r\n"
        for (
            byte
        ) in b"*3\r\n$3\r\nSET\r\n$5\r\nfirst\r\n$1\r\n1\r\n*3\r\n$3\r\nSET\r\n$6\r\nsecond\r\n$1\r\n2\r\n":
            raw.sendall(bytes([byte]))
        assert proxy.cut_done.wait(5)
    assert (direct.exists("first"), direct.exists("second")) == (1, 0)
    assert (proxy.commands_seen("PING"), proxy.commands_seen("SET")) == (1, 1)


def test_hundreds_of_connections_are_all_cut(proxy: RedisCutProxy) -> None:
    clients = [through(proxy) for _ in range(200)]
    assert all(client.ping() for client in clients)
    proxy.cut_now()
    for client in clients:
        with pytest.raises(redis.ConnectionError):
            client.ping()
