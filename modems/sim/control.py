"""The JSON control API of the virtual network, over HTTP on loopback (docs/simulator.md).

Only a program that was given the token may use it: every request carries the token
(`X-Pulsa-Token: …` or `Authorization: Bearer …`), names this server in its `Host` header
(127.0.0.1 or localhost with the right port) and sends its body as `Content-Type: application/json`.
A web page in a browser on the same machine can do none of the three, so it cannot reach the network.
"""
from __future__ import annotations

import hmac
import json
import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, unquote, urlsplit

TOKEN_HEADER = "X-Pulsa-Token"
MAX_BODY = 1 << 20  # bytes; the largest real body (an SMS text) is a few kB


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
        r("GET", f"/api/upstreams/{seg}/orders", lambda q, b, i: net.api_upstream_orders(i)),
        r("GET", "/api/h2h-sellers", lambda q, b: net.api_h2h_sellers()),
        r("POST", f"/api/h2h-sellers/{seg}", lambda q, b, i: net.api_h2h_seller_update(i, b)),
        r("GET", f"/api/h2h-sellers/{seg}/orders", lambda q, b, i: net.api_h2h_seller_orders(i)),
        r("GET", f"/api/h2h-sellers/{seg}/callbacks", lambda q, b, i: net.api_h2h_seller_callbacks(i)),
    ]


def _since(query: dict[str, list[str]]) -> int:
    try:
        return max(0, int(query.get("since", ["0"])[0]))
    except ValueError:
        raise ApiError("'since' must be an integer") from None


def _token_of(headers: Any) -> str:
    """The token a request carries: `X-Pulsa-Token: T` or `Authorization: Bearer T`."""
    token = headers.get(TOKEN_HEADER)
    if token:
        return token.strip()
    scheme, _, value = (headers.get("Authorization") or "").strip().partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def _is_json(content_type: str | None) -> bool:
    return (content_type or "").split(";", 1)[0].strip().lower() == "application/json"


class ControlServer:
    def __init__(self, net: Any, port: int = 0, token: str = "") -> None:
        if not token:
            raise ValueError("the control API needs a token")
        self.net = net
        routes = _routes(net)
        server = self

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

            def do_OPTIONS(self) -> None:  # a browser's CORS preflight: refused like any request, no CORS headers
                self._handle("OPTIONS")

            def _reply(self, status: int, payload: Any) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                if status == 401:
                    self.send_header("WWW-Authenticate", 'Bearer realm="pulsa-sim"')
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

            def _refusal(self, length: int) -> tuple[int, Any] | None:
                """Why this request is not even looked at (nothing has been changed), or None."""
                if (self.headers.get("Host") or "").strip().lower() not in server.hosts:
                    return 403, {"error": f"Host must be one of {sorted(server.hosts)}"}
                if not hmac.compare_digest(_token_of(self.headers).encode(), server.token.encode()):
                    return 401, {"error": f"missing or wrong token (send it as {TOKEN_HEADER}: <token> "
                                          "or Authorization: Bearer <token>)"}
                if self.headers.get("Transfer-Encoding"):
                    return 411, {"error": "send the body with a Content-Length"}
                if length > MAX_BODY:
                    return 413, {"error": f"body larger than {MAX_BODY} bytes"}
                if length and not _is_json(self.headers.get("Content-Type")):
                    return 415, {"error": "a body must be sent as Content-Type: application/json"}
                return None

            def _dispatch(self, method: str) -> tuple[int, Any]:
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                except ValueError:
                    length = -1
                if length < 0:
                    return 400, {"error": "bad Content-Length"}
                refused = self._refusal(length)
                if refused is not None:
                    if length <= MAX_BODY:
                        self.rfile.read(length)  # read it anyway: the client then sees the answer
                    return refused
                parts = urlsplit(self.path)
                path = parts.path.rstrip("/") or "/"
                query = parse_qs(parts.query)
                body: Any = {}
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
                        # a long poll (`?wait=S`, at most 60 s) may hold its answer that long; a change is
                        # in the state file (when there is one) before its answer leaves
                        return 200, net.call(fn, query, body, *args, timeout=75 if "wait" in query else 30,
                                             persist=method != "GET")
                    except ApiError as exc:
                        return exc.status, {"error": str(exc)}
                    except (ValueError, TypeError, KeyError) as exc:
                        return 400, {"error": str(exc)}
                if path_matched:
                    return 405, {"error": f"method {method} not allowed on {path}"}
                return 404, {"error": f"no such endpoint: {path}"}

        self.token = token
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None
        bound = self._httpd.server_address[1]
        self.hosts = frozenset({f"127.0.0.1:{bound}", f"localhost:{bound}"})

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def start(self) -> None:
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="sim-control", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(5)
