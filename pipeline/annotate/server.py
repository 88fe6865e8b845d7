"""A Label Studio ML backend serving jixiao's pre-annotations over HTTP (``jixiao serve-ls``).

It speaks the protocol Label Studio 1.x uses with its ML backends (label_studio/ml/api_connector.py
and label-studio-ml-backend's api.py):

- ``GET /health`` (and ``/``) -> ``{"status": "UP", "model_version": ...}``
- ``POST /setup`` ``{project, schema, hostname, access_token, extra_params}`` -> ``{"model_version": ...}``
- ``POST /predict`` ``{tasks, project, label_config, params}`` -> ``{"results": [prediction per task]}``,
  each prediction ``{"result": [...], "score": ..., "model_version": ...}`` in the project's control names
- ``POST /webhook`` ``{action, ...}`` -> 201 ``{}`` (annotation events are acknowledged; retraining is
  ``jixiao train`` on imported annotations, run on purpose rather than on every save)
- ``GET /versions`` -> ``{"versions": [...]}``

Every request must carry the token: ``Authorization: Token T`` or ``Bearer T``, or HTTP Basic
auth with T as the password (what Label Studio sends for a backend added with auth_method
BASIC_AUTH).  The server binds to 127.0.0.1 unless told otherwise.  Only the standard library's
``http.server`` is used: the backend answers one annotation team, not the internet.
"""
from __future__ import annotations

import base64
import hmac
import json
import secrets
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional

from ..config import settings
from ..doc import Document
from .labelstudio import LabelConfig, entities_to_results
from .source import Prelabeller


@dataclass(frozen=True)
class ServeSettings:
    """Bounds on what one client can hold (``configs/serve.yaml``)."""

    max_body_bytes: int
    max_tasks: int
    read_timeout: float
    idle_timeout: float

    @classmethod
    def from_config(cls, name: str = "serve") -> "ServeSettings":
        return settings(cls, name)


@dataclass
class Backend:
    """What the HTTP handler calls: predictions for tasks under a project's labelling config."""

    prelabeller: Prelabeller = field(default_factory=Prelabeller)
    _configs: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def model_version(self) -> str:
        return self.prelabeller.model_version

    def load_in_background(self) -> None:
        """Load the pipeline on a thread, so that /health answers at once (Label Studio waits 1 s for it)
        and the first /predict waits only for what is left of the loading."""
        def load() -> None:
            with self._lock:
                self.prelabeller.pipeline
        threading.Thread(target=load, daemon=True, name="jixiao-load-pipeline").start()

    def setup(self, project: Optional[str], schema: Optional[str]) -> dict:
        if schema:
            self._configs[str(project)] = LabelConfig.parse(schema)
        return {"model_version": self.model_version}

    def config_for(self, project: Optional[str], label_config: Optional[str]) -> LabelConfig:
        if label_config:
            return LabelConfig.parse(label_config)
        return self._configs.get(str(project)) or LabelConfig.default()

    def predict(self, tasks: list, project: Optional[str] = None, label_config: Optional[str] = None) -> dict:
        cfg = self.config_for(project, label_config)
        results = []
        for task in tasks:
            data = task.get("data") if isinstance(task, dict) else None
            text = data.get(cfg.data_key) if isinstance(data, dict) else None
            if not isinstance(text, str):
                results.append({"result": [], "score": 0.0, "model_version": self.model_version})
                continue
            with self._lock:  # the pipeline's components are not written for concurrent calls
                doc = self.prelabeller(Document(id=str(task.get("id", "task")), text=text))
            scores = [e.confidence for e in doc.entities if e.label in cfg.label_values] or [1.0]
            results.append({"result": entities_to_results(text, doc.entities, cfg),
                            "score": round(min(scores), 4), "model_version": self.model_version})
        return {"results": results, "model_version": self.model_version}


def authorised(header: Optional[str], token: str) -> bool:
    if not header:
        return False
    scheme, _, cred = header.partition(" ")
    scheme = scheme.lower()
    if scheme in ("token", "bearer"):
        return hmac.compare_digest(cred.strip(), token)
    if scheme == "basic":
        try:
            _, _, password = base64.b64decode(cred.strip()).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return hmac.compare_digest(password, token)
    return False


class Refused(Exception):
    """A request answered with an error status before its body is read (the connection then closes)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def body_length(headers, max_bytes: int) -> int:
    """The request body's length from Content-Length, checked before anything is read: a missing, chunked,
    negative, malformed or over-size length is refused, so no client can make the server read without bound."""
    if headers.get("Transfer-Encoding"):
        raise Refused(411, "send the body with a Content-Length, not Transfer-Encoding")
    values = headers.get_all("Content-Length") or []
    if not values:
        raise Refused(411, "Content-Length is required")
    if len(set(values)) > 1 or not values[0].strip().isdigit():
        raise Refused(400, f"Content-Length must be one non-negative integer, not {', '.join(values)!r}")
    n = int(values[0])
    if n > max_bytes:
        raise Refused(413, f"request body of {n} bytes, over the {max_bytes} byte limit "
                           "(max_body_bytes in configs/serve.yaml)")
    return n


def make_handler(backend: Backend, token: str, settings: ServeSettings):
    class Handler(BaseHTTPRequestHandler):
        server_version = "jixiao-ml-backend"
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # one line per request on stderr, like label-studio-ml
            sys.stderr.write(f"serve-ls: {self.address_string()} {fmt % args}\n")

        def handle_one_request(self) -> None:
            self.connection.settimeout(settings.idle_timeout)  # waiting for a request line
            super().handle_one_request()

        def parse_request(self) -> bool:
            self.connection.settimeout(settings.read_timeout)  # each read of the headers
            return super().parse_request()

        def _send(self, status: int, body: dict | list) -> None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)

        def _refuse(self, status: int, message: str) -> None:
            """An error answered before the body is read: the unread bytes end the connection."""
            self.close_connection = True
            self._send(status, {"error": message})

        def _guard(self) -> bool:
            if authorised(self.headers.get("Authorization"), token):
                return True
            self.close_connection = True
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="jixiao"')
            self.send_header("Content-Type", "application/json")
            self.send_header("Connection", "close")
            body = b'{"error": "missing or wrong token"}'
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return False

        def _read_body(self, n: int) -> bytes:
            """``n`` bytes, all within ``read_timeout`` (a client sending a byte at a time is cut off too)."""
            deadline = time.monotonic() + settings.read_timeout
            chunks, left = [], n
            while left:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                self.connection.settimeout(remaining)
                chunk = self.rfile.read1(min(left, 1 << 16))
                if not chunk:
                    raise ConnectionError("the client closed the connection inside the body")
                chunks.append(chunk)
                left -= len(chunk)
            return b"".join(chunks)

        def _json(self) -> Optional[dict]:
            try:
                raw = self._read_body(body_length(self.headers, settings.max_body_bytes))
            except Refused as exc:
                self._refuse(exc.status, str(exc))
                return None
            except TimeoutError:
                self._refuse(408, f"the body did not arrive within {settings.read_timeout:g} s "
                                  "(read_timeout in configs/serve.yaml)")
                return None
            try:
                body = json.loads(raw or b"{}")
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                self._send(400, {"error": f"body is not JSON: {exc}"})
                return None
            if not isinstance(body, dict):
                self._send(400, {"error": "body must be a JSON object"})
                return None
            return body

        def do_GET(self):
            if not self._guard():
                return
            path = self.path.split("?", 1)[0].rstrip("/")
            if path in ("", "/health"):
                self._send(200, {"status": "UP", "model_version": backend.model_version})
            elif path == "/versions":
                self._send(200, {"versions": [backend.model_version]})
            elif path == "/metrics":
                self._send(200, {})
            else:
                self._send(404, {"error": f"no route {path}"})

        def do_POST(self):
            if not self._guard():
                return
            path = self.path.split("?", 1)[0].rstrip("/")
            body = self._json()
            if body is None:
                return
            try:
                if path == "/setup":
                    self._send(200, backend.setup(body.get("project"), body.get("schema")))
                elif path == "/predict":
                    tasks = body.get("tasks")
                    if not isinstance(tasks, list):
                        self._send(400, {"error": "'tasks' must be a list"})
                    elif len(tasks) > settings.max_tasks:
                        self._send(413, {"error": f"{len(tasks)} tasks in one request, over the limit of "
                                                  f"{settings.max_tasks} (max_tasks in configs/serve.yaml): "
                                                  "send them in smaller batches"})
                    else:
                        self._send(200, backend.predict(tasks, body.get("project"), body.get("label_config")))
                elif path == "/webhook":
                    self._send(201, {"action": body.get("action"), "model_version": backend.model_version})
                elif path == "/train":
                    self._send(201, {"job": None, "detail": "train with `jixiao train` on imported annotations"})
                elif path == "/validate":
                    self._send(200, {"status": "ok"})
                else:
                    self._send(404, {"error": f"no route {path}"})
            except Exception as exc:  # a bad task must not take the server down
                self._send(500, {"error": f"{type(exc).__name__}: {exc}"})

    return Handler


def make_server(host: str = "127.0.0.1", port: int = 9090, token: Optional[str] = None,
                backend: Optional[Backend] = None,
                settings: Optional[ServeSettings] = None) -> tuple[ThreadingHTTPServer, str]:
    """A server ready to ``serve_forever()`` and its token (generated if none is given).  Each connection
    has its own thread, so /health is answered while a long /predict runs; the pipeline loads in the
    background."""
    token = token or secrets.token_urlsafe(24)
    backend = backend or Backend()
    server = ThreadingHTTPServer((host, port), make_handler(backend, token, settings or ServeSettings.from_config()))
    server.daemon_threads = True
    backend.load_in_background()
    return server, token
