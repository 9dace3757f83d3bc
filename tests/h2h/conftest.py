"""H2H selling against the real thing: the aiohttp server on 127.0.0.1 (a free port), a real aiohttp
client as the buyer server, a real aiohttp server as the buyer's report URL, a real database (SQLite
file, and PostgreSQL when PULSA_TEST_PG_URL reaches one).

Time comes from a settable clock (tests/conftest.py `Clock`): signed requests carry timestamps made
from it, and callbacks are retried when it is moved on, never after a real wait."""
from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import json
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from app.http_client import client_session
from tests.conftest import Clock
from tests.engine.conftest import SCENARIO, env, run, scenario, shop_db  # noqa: F401 (fixtures)

START = dt.datetime(2026, 6, 15, 10, 0, 0)
MEMBER, PIN, PASSWORD = "H001", "1234", "rahasia"


def otomax_sign(member: str, product: str, dest: str, ref: str, pin: str = PIN, password: str = PASSWORD,
                form: str = "urlsafe") -> str:
    """The sign as buyers' software makes it (reference h2h.md 3.2), computed here independently."""
    text = f"OtomaX|{member}|{product}|{dest}|{ref}|{pin}|{password}".encode()
    raw = hashlib.sha1(text).digest()
    hexed = hashlib.sha1(text).hexdigest().encode()
    return {"urlsafe": base64.urlsafe_b64encode(raw).decode().rstrip("="),
            "urlsafe_padded": base64.urlsafe_b64encode(raw).decode(),
            "std": base64.b64encode(raw).decode(),
            "std_unpadded": base64.b64encode(raw).decode().rstrip("="),
            "hex": base64.b64encode(hexed).decode(),
            "hex_urlsafe": base64.urlsafe_b64encode(hexed).decode().rstrip("=")}[form]


def hmac_sign(secret: str, method: str, path: str, stamp: str, body: bytes) -> str:
    canonical = "\n".join((method, path, stamp, hashlib.sha256(body).hexdigest()))
    return hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()


class Buyer:
    """A buyer server: OtomaX `/trx`, ST24 `/api` and the JSON API, as real HTTP requests."""

    def __init__(self, session, url: str, clock: Clock, member: str = MEMBER, password: str = PASSWORD,
                 pin: str = PIN):
        self.session, self.url, self.clock = session, url, clock
        self.member, self.password, self.pin = member, password, pin

    async def get(self, path: str, params: dict[str, str]) -> tuple[int, str]:
        async with self.session.get(self.url + path, params=params) as resp:
            return resp.status, await resp.text()

    async def trx(self, product: str, dest: str, ref: str, *, member: str | None = None, sign: str | None = None,
                  check: bool = False, **extra: str) -> tuple[int, str]:
        member = member or self.member
        params = {"product": product, "qty": "1", "dest": dest, "refID": ref, "memberID": member,
                  "sign": sign if sign is not None else otomax_sign(member, product, dest, ref, self.pin,
                                                                    self.password)}
        if check:
            params["check"] = "1"
        params.update(extra)
        return await self.get("/trx", params)

    async def api(self, product: str, dest: str, ref: str, *, pin: str | None = None, password: str | None = None,
                  **extra: str) -> tuple[int, str]:
        params = {"id": self.member, "pin": pin or self.pin, "user": "buyer", "pass": password or self.password,
                  "kodeproduk": product, "tujuan": dest, "idtrx": ref, **extra}
        return await self.get("/api", params)

    async def call(self, method: str, path: str, body: Any = None, *, key: str | None = None,
                   secret: str | None = None, stamp: str | None = None, signed_path: str | None = None,
                   raw: bytes | None = None) -> tuple[int, dict, dict]:
        """A JSON API request signed as h2h.md 9.1 B says (a timestamp from the test's clock)."""
        data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        stamp = stamp or str(int(self.clock().timestamp()))
        headers = {"X-Pulsa-Key": key or self.member, "X-Pulsa-Timestamp": stamp,
                   "X-Pulsa-Signature": hmac_sign(secret or self.password, method, signed_path or path, stamp, data)}
        if data:
            headers["Content-Type"] = "application/json"
        async with self.session.request(method, self.url + path, data=data or None, headers=headers) as resp:
            return resp.status, await resp.json(), dict(resp.headers)

    async def order(self, ref: str, product: str, dest: str, **more: Any) -> tuple[int, dict]:
        status, data, _h = await self.call("POST", "/api/v1/orders", {"ref_id": ref, "product": product,
                                                                     "dest": dest, **more})
        return status, data


@dataclass
class Received:
    method: str
    query: dict[str, str]
    body: bytes
    headers: dict[str, str]


@dataclass
class Receiver:
    """The buyer's report URL: answers 500 to the first `fail_first` reports, then 200."""

    fail_first: int = 0
    received: list[Received] = field(default_factory=list)
    url: str = ""

    async def start(self) -> str:
        from aiohttp import web

        self._event = asyncio.Event()

        async def report(request: web.Request) -> web.Response:
            self.received.append(Received(request.method, dict(request.query), await request.read(),
                                          dict(request.headers)))
            self._event.set()
            if len(self.received) <= self.fail_first:
                return web.Response(status=500, text="sibuk")
            return web.Response(text="OK")

        app = web.Application()
        app.router.add_route("*", "/report", report)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/report?token=abc"
        return self.url

    async def wait(self, count: int, timeout: float = 20) -> list[Received]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.received) < count:
            self._event.clear()
            left = deadline - loop.time()
            if left <= 0:
                raise AssertionError(f"{len(self.received)} reports arrived, waited for {count}")
            try:
                await asyncio.wait_for(self._event.wait(), left)
            except TimeoutError:
                pass
        return self.received

    async def stop(self) -> None:
        await self._runner.cleanup()


@pytest.fixture
def seeded(shop_db):
    """The demo shop (with its H2H member H001) on a real database."""
    from app.demo import seed_demo
    from storage.db import close_database, open_database

    open_database(shop_db)
    seed_demo(h2h=True)
    yield shop_db
    close_database()


@dataclass
class Shop:
    engine: Any
    h2h: Any
    buyer: Buyer
    session: Any
    taken: list[int]


@asynccontextmanager
async def selling(clock: Clock, *, dispatch: bool = True):
    """The engine (no modems: an order it dispatches fails at once, "no route", and is refunded) with the
    H2H server on a free port. `dispatch=False`: orders stay queued (the engine does not take them)."""

    from app.engine import Engine
    from app.h2h.server import Selling
    from app.service import MessageService

    engine = Engine(MessageService(clock=clock), clock=clock)
    await engine.start()
    taken: list[int] = []
    if not dispatch:
        engine.take_orders = lambda ids, _headlines: taken.extend(ids)  # type: ignore[method-assign]
    h2h = Selling(engine, clock)
    await h2h.start(port=0)
    try:
        async with client_session() as session:
            yield Shop(engine, h2h, Buyer(session, h2h.url, clock), session, taken)
    finally:
        await h2h.stop()
        await engine.stop()


def books() -> tuple:
    """Every balance, every order and every ledger row: what a refusal must leave as it was."""
    from storage.models import LedgerEntry, Order, Reseller

    return (tuple(Reseller.select(Reseller.code, Reseller.balance).order_by(Reseller.code).tuples()),
            Order.select().count(), LedgerEntry.select().count())


def ledger_exact() -> None:
    from app import ledger
    from storage.models import Reseller

    for r in Reseller.select():
        assert r.balance == ledger.ledger_sum(r.id), r.code
