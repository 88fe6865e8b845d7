"""`jixiao serve-ls` (the Label Studio ML backend) against hostile or slow clients, in-process on 127.0.0.1:
bodies are bounded before they are read, idle and slow connections are cut off, /health never waits."""
from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
import requests

from pipeline.annotate.server import Backend, ServeSettings, make_server
from pipeline.annotate.source import Prelabeller
from pipeline.language import Pipeline

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
RULES = str(ROOT / "configs" / "pipeline-rules.yaml")
TOKEN = "test-token-123"
SETTINGS = ServeSettings(max_body_bytes=1_000_000, max_tasks=5, read_timeout=1.0, idle_timeout=1.0)
TEXT = "基本支出284.32万元，占比57.23%，拆除房屋164栋。"


@contextmanager
def serving(backend: Backend):
    server, _ = make_server("127.0.0.1", 0, TOKEN, backend, SETTINGS)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def exchange(port: int, raw: bytes, wait: float = 5.0) -> bytes:
    """Send raw bytes and read until the server closes the connection (socket.timeout if it never does)."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as s:
        s.sendall(raw)
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
    return reply


def post_head(*headers: str) -> bytes:
    lines = ["POST /predict HTTP/1.1", "Host: 127.0.0.1", f"Authorization: Token {TOKEN}", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_case10_content_length_missing_negative_or_oversized_is_refused_before_reading():
    body = b'{"tasks": []}' + b" " * 100_000  # more than any of these requests may make the server read
    with serving(Backend(Prelabeller(config=RULES))) as port:
        for header, status in (("Content-Length: -1", 400), ("Content-Length: 1e3", 400), (None, 411),
                               ("Transfer-Encoding: chunked", 411), ("Content-Length: 200000000", 413)):
            reply = exchange(port, post_head(*([header] if header else [])) + body)
            assert reply.startswith(f"HTTP/1.1 {status} ".encode()), (header, reply[:200])
            assert b"Connection: close" in reply
        ok = requests.post(f"http://127.0.0.1:{port}/predict", headers={"Authorization": f"Token {TOKEN}"},
                           json={"tasks": [{"id": 1, "data": {"text": TEXT}}]}, timeout=60)
        assert ok.status_code == 200 and ok.json()["results"][0]["result"]


def test_case11_idle_and_slow_connections_are_closed_and_health_never_waits():
    real = Pipeline.from_config

    def slow_load(config=None):  # a model that takes seconds to load, as on a busy machine
        time.sleep(3)
        return real(config)

    with mock.patch.object(Pipeline, "from_config", slow_load), serving(Backend(Prelabeller(config=RULES))) as port:
        url = f"http://127.0.0.1:{port}"
        auth = {"Authorization": f"Token {TOKEN}"}
        t0 = time.monotonic()
        health = requests.get(url + "/health", headers=auth, timeout=1)  # Label Studio gives it 1 s
        assert health.status_code == 200 and health.json()["status"] == "UP" and time.monotonic() - t0 < 1

        t0 = time.monotonic()
        assert exchange(port, b"") == b""                                        # idle, never authenticated
        assert exchange(port, b"GET /health HTTP/1.1\r\nAuthoriz") == b""         # headers begun, never ended
        slow_body = exchange(port, post_head("Content-Length: 100") + b'{"tasks":')  # body never finished
        assert slow_body.startswith(b"HTTP/1.1 408 ") and time.monotonic() - t0 < 4 * SETTINGS.read_timeout + 2

        long_texts = [{"id": i, "data": {"text": TEXT * 400}} for i in range(SETTINGS.max_tasks)]
        predicted = {}
        predict = threading.Thread(target=lambda: predicted.update(r=requests.post(
            url + "/predict", headers=auth, json={"tasks": long_texts}, timeout=120)))
        predict.start()
        time.sleep(0.5)
        while predict.is_alive() and "r" not in predicted:
            t0 = time.monotonic()
            assert requests.get(url + "/health", headers=auth, timeout=1).status_code == 200
            assert time.monotonic() - t0 < 1
            time.sleep(0.2)
        predict.join()
        assert predicted["r"].status_code == 200 and len(predicted["r"].json()["results"]) == SETTINGS.max_tasks

        over = requests.post(url + "/predict", headers=auth, json={"tasks": long_texts + long_texts[:1]}, timeout=60)
        assert over.status_code == 413 and "max_tasks in configs/serve.yaml" in over.json()["error"]
