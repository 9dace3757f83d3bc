"""The H2H HTTP server on the engine's asyncio loop (aiohttp), and what starts it with the engine.

Doors (docs/h2h.md has examples):

- `GET|POST …/trx` — OtomaX: `product, qty, dest, refID, memberID` and `sign`, or `pin` + `password` for a
  member allowed the form without a sign; `check=1` asks for the status only.
- `GET|POST /api` — ST24/IRS names: `id, pin, user, pass, kodeproduk, tujuan, idtrx` (+ `counter`,
  `hargamax`, `check`); the same refID again is the status.
- The JSON API with HMAC: `POST /api/v1/orders`, `GET /api/v1/orders/{ref_id}`, `GET /api/v1/balance`,
  `GET /api/v1/products`; HTTP errors only for protocol problems (401, 403, 409, 422, 429).
- `GET|POST /h2h/callback/{supplier}` — reports from the suppliers this shop buys from (app/h2h/buying.py).

The text doors always answer HTTP 200 with a sentence (buyers' software reads the words, "GAGAL" and
all). Query strings hold PINs, passwords and signs, so aiohttp's access log is off and every log line
is written here without them. Off unless `--h2h-port` or the owner's setting turns it on.
"""
from __future__ import annotations

import datetime as _dt
import json
import logging
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from aiohttp import web

from app.events import Alert
from app.h2h import members as members_
from app.h2h.buying import Buying
from app.h2h.callbacks import Callbacks
from app.h2h.desk import Answer, Credentials, Desk, Request
from app.h2h.texts import Reason

if TYPE_CHECKING:
    from app.engine import Engine

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
TEXT = "text/plain"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _params(request: web.Request, form: dict[str, str] | None = None) -> dict[str, str]:
    """The request's parameters, names in lower case (refID, refid and REFID alike), the first of each."""
    out: dict[str, str] = {}
    for source in (request.query, form or {}):
        for key, value in source.items():
            out.setdefault(key.lower(), value)
    return out


class H2HServer:
    """The aiohttp application and its listening socket."""

    def __init__(self, desk: Desk, *, host: str = members_.DEFAULT_HOST, port: int = members_.DEFAULT_PORT,
                 trusted_proxies: tuple[str, ...] = (), buying: Buying | None = None):
        self.desk = desk
        self.buying = buying  # callbacks from our H2H suppliers (app/h2h/buying.py)
        self.host = host
        self.port = port
        self.trusted = tuple(n for n in map(members_.parse_network, trusted_proxies) if n is not None)
        self._runner: web.AppRunner | None = None
        self.app = self._make_app()

    def _make_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY, middlewares=[self._errors])
        for path in ("/trx", "/{prefix:.+}/trx"):
            app.router.add_route("GET", path, self.trx)
            app.router.add_route("POST", path, self.trx)
        app.router.add_route("GET", "/api", self.api)
        app.router.add_route("POST", "/api", self.api)
        app.router.add_route("POST", "/api/v1/orders", self.json_order)
        app.router.add_route("GET", "/api/v1/orders/{ref_id}", self.json_status)
        app.router.add_route("GET", "/api/v1/balance", self.json_balance)
        app.router.add_route("GET", "/api/v1/products", self.json_products)
        app.router.add_route("GET", "/h2h/callback/{supplier}", self.supplier_callback)
        app.router.add_route("POST", "/h2h/callback/{supplier}", self.supplier_callback)
        return app

    @web.middleware
    async def _errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException:
            raise
        except Exception:
            log.exception("H2H %s %s failed", request.method, request.path)  # the path only: no query string
            if request.path.startswith("/api/v1/"):
                return web.json_response({"error": "internal", "message": "Gangguan server"}, status=500)
            return web.Response(text="GAGAL. Gangguan server, coba lagi nanti.", content_type=TEXT, status=500)

    # --- life ---------------------------------------------------------------------------------------

    async def start(self) -> int:
        """Listen; returns the port (the one the system chose for port 0)."""
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, backlog=512)
        try:
            await site.start()
        except BaseException:
            await self._runner.cleanup()
            self._runner = None
            raise
        self.port = int(self._runner.addresses[0][1])
        log.info("H2H server listening on %s", self.url)
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    # --- where a request comes from ------------------------------------------------------------

    def client_ip(self, request: web.Request) -> str:
        """The peer's address; behind a trusted reverse proxy, the last address it added."""
        remote = request.remote or ""
        if self.trusted:
            address = members_.parse_ip(remote)
            if address is not None and any(address in net for net in self.trusted):
                forwarded = request.headers.get("X-Forwarded-For", "")
                last = forwarded.split(",")[-1].strip()
                if members_.parse_ip(last) is not None:
                    return last
        return remote

    # --- the text doors -------------------------------------------------------------------------

    async def _form(self, request: web.Request) -> dict[str, str]:
        if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded",
                                                                  "multipart/form-data"):
            data = await request.post()
            return {k: v for k, v in data.items() if isinstance(v, str)}
        return {}

    @staticmethod
    def _text(answer: Answer) -> web.Response:
        return web.Response(text=answer.text, content_type=TEXT, charset="utf-8",
                            status=500 if answer.reason is Reason.INTERNAL else 200)

    async def trx(self, request: web.Request) -> web.Response:
        p = _params(request, await self._form(request))
        req = Request(p.get("memberid", ""), p.get("refid", ""), p.get("product", ""), p.get("dest", ""),
                      counter=p.get("counter"), qty=p.get("qty"), max_price=_amount(p.get("hargamax")),
                      testing=_yes(p.get("testing")), check=_yes(p.get("check")))
        if "sign" in p:
            cred = Credentials(sign=p["sign"])
        else:
            cred = Credentials(pin=p.get("pin"), password=p.get("password"))
        return self._text(await self.desk.text(req, self.client_ip(request), cred))

    async def api(self, request: web.Request) -> web.Response:
        """ST24/IRS names, mapped to the OtomaX request (the `pin` + `pass` form only)."""
        p = _params(request, await self._form(request))
        req = Request(p.get("id", ""), p.get("idtrx", ""), p.get("kodeproduk", ""), p.get("tujuan", ""),
                      counter=p.get("counter"), qty=p.get("qty"), max_price=_amount(p.get("hargamax")),
                      testing=_yes(p.get("testing")), check=_yes(p.get("check")))
        cred = Credentials(pin=p.get("pin"), password=p.get("pass", p.get("password")))
        return self._text(await self.desk.text(req, self.client_ip(request), cred))

    # --- the JSON API ---------------------------------------------------------------------------

    async def _json(self, request: web.Request, action: str, ref_id: str = "") -> web.Response:
        body = await request.read()
        h = request.headers
        reply = await self.desk.json(action, key=h.get("X-Pulsa-Key", ""), ip=self.client_ip(request),
                                     timestamp=h.get("X-Pulsa-Timestamp", ""),
                                     signature=h.get("X-Pulsa-Signature", ""), method=request.method,
                                     path=request.raw_path, body=body, ref_id=ref_id)
        return web.json_response(reply.body, status=reply.status, headers=reply.headers or None, dumps=_dumps)

    async def json_order(self, request: web.Request) -> web.Response:
        return await self._json(request, "order")

    async def json_status(self, request: web.Request) -> web.Response:
        return await self._json(request, "status", request.match_info["ref_id"])

    async def json_balance(self, request: web.Request) -> web.Response:
        return await self._json(request, "balance")

    async def json_products(self, request: web.Request) -> web.Response:
        return await self._json(request, "products")

    # --- reports from our own suppliers (buying) ------------------------------------------------

    async def supplier_callback(self, request: web.Request) -> web.Response:
        """`GET|POST /h2h/callback/{supplier}`: a supplier's report on an order we bought there."""
        if self.buying is None:
            return web.Response(text="tidak ada supplier H2H", content_type=TEXT, status=404)
        body = await request.read()
        params = dict(request.query)
        if request.content_type == "application/x-www-form-urlencoded":
            params.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
        answer = await self.buying.callback(request.match_info["supplier"], self.client_ip(request), params, body,
                                            request.headers)
        return web.Response(text=answer.text, content_type=TEXT, charset="utf-8", status=answer.status)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _yes(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "ya", "y")


def _amount(value: str | None) -> int | None:
    """`hargamax`: digits (a dot or comma as thousands separator allowed); anything else is ignored."""
    if value is None:
        return None
    text = value.strip().replace(".", "").replace(",", "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 13 else None


class Selling:
    """The selling half of H2H for one run: reports always (orders placed in an earlier run still get
    theirs), the HTTP server when asked for (`--h2h-port`) or enabled in the settings."""

    def __init__(self, engine: "Engine", clock: Callable[[], _dt.datetime] | None = None):
        self.engine = engine
        self.desk = Desk(engine, clock)
        self.callbacks = Callbacks(engine, clock)
        self.buying = Buying(engine, clock)  # status checks at our H2H suppliers, and their callbacks
        self.server: H2HServer | None = None

    async def start(self, *, port: int | None = None, host: str | None = None) -> None:
        self.callbacks.start(self.engine.supervisor)
        self.buying.start(self.engine.supervisor)
        saved = members_.server_settings()
        if port is None and not saved.enabled:
            return
        self.server = H2HServer(self.desk, host=host or (saved.host if port is None else members_.DEFAULT_HOST),
                                port=saved.port if port is None else port, trusted_proxies=saved.trusted_proxies,
                                buying=self.buying)
        try:
            await self.server.start()
        except OSError as exc:
            self.server = None
            if port is not None:
                raise  # asked for on the command line: the run stops with the reason
            log.error("H2H server could not listen: %s", exc)
            self.engine.events.publish(Alert(text=f"Server H2H tidak bisa dibuka: {exc}"))

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop()
        await self.callbacks.stop()

    @property
    def url(self) -> str:
        return self.server.url if self.server is not None else ""
