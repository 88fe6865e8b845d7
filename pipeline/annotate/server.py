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
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional

from ..doc import Document
from .labelstudio import LabelConfig, entities_to_results
from .source import Prelabeller

MAX_BODY = 50 * 1024 * 1024


@dataclass
class Backend:
    """What the HTTP handler calls: predictions for tasks under a project's labelling config."""

    prelabeller: Prelabeller = field(default_factory=Prelabeller)
    _configs: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def model_version(self) -> str:
        return self.prelabeller.model_version

    def setup(self, project: Optional[str], schema: Optional[str]) -> dict:
        if schema:
            self._configs[str(project)] = LabelConfig.parse(schema)
        return {"model_version": self.model_version}

    def config_for(self, project: Optional[str], label_config: Optional[str]) -> LabelConfig:
        if label_config:
            return LabelConfig.parse(label_config)
        return self._configs.get(str(project)) or LabelConfig.default()

    def predict(self, tasks: list[dict], project: Optional[str] = None, label_config: Optional[str] = None) -> dict:
        cfg = self.config_for(project, label_config)
        results = []
        for task in tasks:
            text = (task.get("data") or {}).get(cfg.data_key)
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


def make_handler(backend: Backend, token: str):
    class Handler(BaseHTTPRequestHandler):
        server_version = "jixiao-ml-backend"
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # one line per request on stderr, like label-studio-ml
            sys.stderr.write(f"serve-ls: {self.address_string()} {fmt % args}\n")

        def _send(self, status: int, body: dict | list) -> None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _guard(self) -> bool:
            if authorised(self.headers.get("Authorization"), token):
                return True
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="jixiao"')
            self.send_header("Content-Type", "application/json")
            body = b'{"error": "missing or wrong token"}'
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return False

        def _json(self) -> Optional[dict]:
            n = int(self.headers.get("Content-Length") or 0)
            if n > MAX_BODY:
                self._send(413, {"error": f"request body over {MAX_BODY} bytes"})
                return None
            try:
                body = json.loads(self.rfile.read(n) or b"{}")
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
                        return
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
                backend: Optional[Backend] = None) -> tuple[ThreadingHTTPServer, str]:
    """A server ready to ``serve_forever()`` and its token (generated if none is given)."""
    token = token or secrets.token_urlsafe(24)
    server = ThreadingHTTPServer((host, port), make_handler(backend or Backend(), token))
    server.daemon_threads = True
    return server, token
