"""The JSON control API of the virtual network, over HTTP on loopback (docs/simulator.md)."""
from __future__ import annotations

import json
import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, unquote, urlsplit



class ApiError(ValueError):
    """A control-API request that cannot be honoured; carries the HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status

log = logging.getLogger(__name__)

Route = tuple[str, re.Pattern[str], Callable[..., Any]]


def _routes(net: Any) -> list[Route]:  # net: the SimNetwork (modems/sim/network.py)
    def r(method: str, pattern: str, fn: Callable[..., Any]) -> Route:
        return method, re.compile("^" + pattern + "$"), fn

    seg = r"([^/]+)"
    return [
        r("GET", "/api/health", lambda q, b: {"ok": True}),
        r("GET", "/api/network", lambda q, b: net.api_network()),
        r("POST", "/api/network", lambda q, b: net.api_network_update(b)),
        r("GET", "/api/modems", lambda q, b: net.api_modems()),
        r("GET", f"/api/modems/{seg}", lambda q, b, i: net.api_modem(i)),
        r("POST", f"/api/modems/{seg}", lambda q, b, i: net.api_modem_settings(i, b)),
        r("POST", f"/api/modems/{seg}/sms", lambda q, b, i: net.api_inject(i, b)),
        r("GET", f"/api/modems/{seg}/sent", lambda q, b, i: net.api_sent(i)),
        r("POST", f"/api/modems/{seg}/reset", lambda q, b, i: net.api_reset(i, b)),
        r("POST", f"/api/modems/{seg}/unplug", lambda q, b, i: net.api_unplug(i)),
        r("POST", f"/api/modems/{seg}/replug", lambda q, b, i: net.api_replug(i, b)),
        r("POST", f"/api/modems/{seg}/fill-store", lambda q, b, i: net.api_fill_store(i)),
        r("POST", "/api/sms", lambda q, b: net.api_sms(b)),
        r("GET", "/api/sms-log", lambda q, b: list(net.sms_log)[_since(q):]),
        r("GET", "/api/ussd-log", lambda q, b: list(net.ussd_log)[_since(q):]),
        r("GET", f"/api/subscribers/{seg}", lambda q, b, n: net.api_subscriber(n)),
        r("POST", f"/api/subscribers/{seg}", lambda q, b, n: net.api_subscriber_update(n, b)),
        r("GET", f"/api/subscribers/{seg}/sms", lambda q, b, n: net.api_subscriber_sms(n, q)),
        r("GET", "/api/chips", lambda q, b: net.api_chips()),
        r("GET", f"/api/chips/{seg}", lambda q, b, i: net.api_chip(i)),
        r("POST", f"/api/chips/{seg}", lambda q, b, i: net.api_chip_update(i, b)),
        r("GET", f"/api/chips/{seg}/stock", lambda q, b, i: net.api_chip_stock(i)),
        r("POST", f"/api/chips/{seg}/stock", lambda q, b, i: net.api_chip_stock(i, b)),
        r("POST", f"/api/chips/{seg}/outcomes", lambda q, b, i: net.api_chip_outcomes(i, b)),
        r("GET", f"/api/chips/{seg}/history", lambda q, b, i: net.api_chip_history(i)),
        r("GET", "/api/operators", lambda q, b: net.api_operators()),
        r("POST", f"/api/operators/{seg}", lambda q, b, i: net.api_operator_update(i, b)),
        r("GET", "/api/faults", lambda q, b: net.api_faults()),
        r("POST", "/api/faults", lambda q, b: net.api_fault(b)),
        r("POST", "/api/faults/clear", lambda q, b: net.api_clear_faults(b)),
        r("DELETE", "/api/faults", lambda q, b: net.api_clear_faults(
            {k: v[0] for k, v in q.items() if k in ("modem", "kind")})),
        r("GET", "/api/upstreams", lambda q, b: net.api_upstreams()),
        r("POST", f"/api/upstreams/{seg}", lambda q, b, i: net.api_upstream_update(i, b)),
    ]


def _since(query: dict[str, list[str]]) -> int:
    try:
        return max(0, int(query.get("since", ["0"])[0]))
    except ValueError:
        raise ApiError("'since' must be an integer") from None


class ControlServer:
    def __init__(self, net: Any, port: int = 0) -> None:
        self.net = net
        routes = _routes(net)

        class Handler(BaseHTTPRequestHandler):
            server_version = "PulsaSim/1.0"

            def log_message(self, fmt: str, *args: Any) -> None:
                log.debug("control api: " + fmt, *args)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def do_DELETE(self) -> None:
                self._handle("DELETE")

            def do_PUT(self) -> None:
                self._handle("PUT")

            def _reply(self, status: int, payload: Any) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method: str) -> None:
                try:
                    status, payload = self._dispatch(method)
                except Exception as exc:  # noqa: BLE001 - answer, never die
                    log.exception("control api failure")
                    status, payload = 500, {"error": f"internal error: {exc}"}
                try:
                    self._reply(status, payload)
                except OSError:
                    pass

            def _dispatch(self, method: str) -> tuple[int, Any]:
                parts = urlsplit(self.path)
                path = parts.path.rstrip("/") or "/"
                query = parse_qs(parts.query)
                body: Any = {}
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    raw = self.rfile.read(length)
                    try:
                        body = json.loads(raw.decode("utf-8"))
                    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                        return 400, {"error": f"body is not valid JSON: {exc}"}
                if not isinstance(body, dict):
                    return 400, {"error": "body must be a JSON object"}
                path_matched = False
                for m, pattern, fn in routes:
                    match = pattern.match(path)
                    if not match:
                        continue
                    path_matched = True
                    if m != method:
                        continue
                    args = [unquote(a) for a in match.groups()]
                    try:
                        # a long poll (`?wait=S`, at most 60 s) may hold its answer that long
                        return 200, net.call(fn, query, body, *args, timeout=75 if "wait" in query else 30)
                    except ApiError as exc:
                        return exc.status, {"error": str(exc)}
                    except (ValueError, TypeError, KeyError) as exc:
                        return 400, {"error": str(exc)}
                if path_matched:
                    return 405, {"error": f"method {method} not allowed on {path}"}
                return 404, {"error": f"no such endpoint: {path}"}

        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="sim-control", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(5)
