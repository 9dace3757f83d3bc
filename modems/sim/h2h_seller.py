"""An internet supplier on the virtual network: an OtomaX-dialect H2H seller on a loopback port
(reference h2h.md 3), run by aiohttp on the network's own loop. The shop buys from it over real HTTP.

    GET /trx?product=TSEL10&qty=1&dest=0812…&refID=…&memberID=…&sign=…   (or pin + password)
    the same with check=1                                                 its status, never an order

It keeps its own books: our deposit there (debited per order, refunded on failure) and every top-up it
made, so a test can see it never made one twice. Per product a behaviour, per seller a fault:

| behaviour | the answer |
|---|---|
| `success` | at once: `… Sukses. SN:…` |
| `failure` | at once: `… GAGAL. Stok kosong. Saldo A+H = B` (refunded) |
| `slow` | `… sedang diproses`, the result `delay` s later by callback |
| `silent` | holds the request, sends the result by callback first, then answers (callback before reply) |

| fault (`fault_count` requests, 0: until cleared) | |
|---|---|
| `drop` | reads the order, carries it out, closes the connection without an answer |
| `hang` | carries it out, never answers (the buyer times out) |
| `500` | answers HTTP 500 without making an order |

Control API: `GET /api/h2h-sellers`, `POST /api/h2h-sellers/{id}` (`behaviours`, `fault`, `fault_count`,
`callback_url`, `delay`, `balance`), `GET /api/h2h-sellers/{id}/orders`, `GET /api/h2h-sellers/{id}/callbacks`.
"""
from __future__ import annotations

import asyncio
import base64
import datetime as _dt
import hashlib
import hmac
import logging
import random
from dataclasses import dataclass, field
from typing import Any

from . import numbers

log = logging.getLogger(__name__)

BEHAVIOURS = ("success", "failure", "slow", "silent")
FAULTS = ("", "drop", "hang", "500")


@dataclass
class SellerConfig:
    id: str
    name: str = "Mitra H2H"
    member_id: str = "PLS01"
    pin: str = "4455"
    password: str = "rahasia-mitra"
    balance: int = 2_000_000
    markup: int = 100  # what it charges over the face value
    delay: float = 2.0  # `slow`: seconds until the result
    port: int = 0
    products: dict[str, int] = field(default_factory=dict)  # its code → face value
    behaviours: dict[str, str] = field(default_factory=dict)  # its code → behaviour (default success)

    @classmethod
    def from_dict(cls, data: dict, index: int = 0) -> "SellerConfig":
        products = {str(k).upper(): int(v) for k, v in (data.get("products") or {}).items()}
        behaviours = {str(k).upper(): str(v) for k, v in (data.get("behaviours") or {}).items()}
        for code, b in behaviours.items():
            if b not in BEHAVIOURS:
                raise ValueError(f"h2h seller: behaviour of {code} must be one of {', '.join(BEHAVIOURS)}")
        return cls(id=str(data.get("id", f"h2h{index + 1}")), name=str(data.get("name", "Mitra H2H")),
                   member_id=str(data.get("member_id", "PLS01")), pin=str(data.get("pin", "4455")),
                   password=str(data.get("password", "rahasia-mitra")), balance=int(data.get("balance", 2_000_000)),
                   markup=int(data.get("markup", 100)), delay=float(data.get("delay", 2.0)),
                   port=int(data.get("port", 0)), products=products, behaviours=behaviours)


@dataclass
class SellerOrder:
    trxid: int
    ref: str
    product: str
    dest: str
    price: int
    at: _dt.datetime
    status: str = "processing"  # processing, success, failed
    sn: str = ""
    balance_after: int = 0

    def as_dict(self) -> dict:
        return {"trxid": self.trxid, "ref": self.ref, "product": self.product, "dest": self.dest,
                "price": self.price, "status": self.status, "sn": self.sn}


def _signs(member: str, product: str, dest: str, ref: str, pin: str, password: str) -> set[str]:
    text = f"OtomaX|{member}|{product}|{dest}|{ref}|{pin}|{password}".encode()
    out = set()
    for digest in (hashlib.sha1(text).digest(), hashlib.sha1(text).hexdigest().encode()):
        out.add(base64.b64encode(digest).decode().rstrip("="))
        out.add(base64.urlsafe_b64encode(digest).decode().rstrip("="))
    return out


def _money(amount: int) -> str:
    return f"{amount:,}"


class H2HSeller:
    """One seller; every method runs on the network's loop."""

    def __init__(self, config: SellerConfig, net: Any, rng: random.Random):
        self.config = config
        self.net = net
        self.rng = rng
        self.balance = config.balance
        self.behaviours = dict(config.behaviours)
        self.fault = ""
        self.fault_count = 0
        self.callback_url = ""
        self.orders: dict[str, SellerOrder] = {}
        self.topups: list[dict] = []  # every top-up it made: {ref, dest, amount, sn}
        self.ledger: list[dict] = []  # our deposit there: {ref, delta, balance_after}
        self.callbacks: list[dict] = []  # reports it sent: {ref, message, status}
        self.requests = 0
        self._next_trx = 8_160_000 + rng.randrange(10_000)
        self._runner: Any = None
        self._tasks: set[asyncio.Task] = set()
        self.port = 0

    # --- life ------------------------------------------------------------------------------------

    async def start(self) -> None:
        from aiohttp import web

        app = web.Application()
        app.router.add_route("*", "/trx", self._trx)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.config.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/trx"

    def as_dict(self) -> dict:
        c = self.config
        return {"id": c.id, "name": c.name, "dialect": "otomax", "url": self.url, "member_id": c.member_id,
                "balance": self.balance, "products": dict(c.products), "behaviours": dict(self.behaviours),
                "fault": self.fault, "fault_count": self.fault_count, "callback_url": self.callback_url,
                "delay": c.delay, "orders": len(self.orders), "topups": len(self.topups), "requests": self.requests}

    def update(self, body: dict) -> dict:
        for key in body:
            if key not in ("behaviours", "fault", "fault_count", "callback_url", "delay", "balance"):
                raise ValueError(f"unknown h2h seller setting {key!r}")
        for code, b in dict(body.get("behaviours") or {}).items():
            if b not in BEHAVIOURS:
                raise ValueError(f"behaviour must be one of {', '.join(BEHAVIOURS)}")
            self.behaviours[str(code).upper()] = b
        if "fault" in body:
            if body["fault"] not in FAULTS:
                raise ValueError(f"fault must be one of {', '.join(repr(f) for f in FAULTS)}")
            self.fault = body["fault"]
            self.fault_count = int(body.get("fault_count", 0))
        if "callback_url" in body:
            self.callback_url = str(body["callback_url"] or "")
        if "delay" in body:
            self.config.delay = float(body["delay"])
        if "balance" in body:
            self.balance = int(body["balance"])
        return self.as_dict()

    # --- requests --------------------------------------------------------------------------------

    async def _trx(self, request: Any) -> Any:
        from aiohttp import web

        self.requests += 1
        p = {k.lower(): v for k, v in request.query.items()}
        if request.method == "POST":
            p.update({k.lower(): v for k, v in (await request.post()).items() if isinstance(v, str)})
        c = self.config
        product, dest, ref = p.get("product", "").upper(), p.get("dest", ""), p.get("refid", "")
        head = f"kode {product or '-'} ke {dest or '-'}"
        if p.get("memberid") != c.member_id:
            return web.Response(text=f"TrxID=- {head} GAGAL. Member ID tidak dikenal.")
        if "sign" in p:
            ok = p["sign"].strip().replace(" ", "+").rstrip("=") in _signs(c.member_id, p.get("product", ""), dest,
                                                                          ref, c.pin, c.password)
        else:
            ok = hmac.compare_digest(p.get("pin", ""), c.pin) and hmac.compare_digest(p.get("password", ""), c.password)
        if not ok:
            return web.Response(text=f"TrxID=- {head} GAGAL. Sign salah.")
        check = p.get("check", "") in ("1", "true")
        existing = self.orders.get(ref)
        if check:
            if existing is None:
                return web.Response(text=f"TrxID=- {head} Ref ID {ref} tidak ditemukan. Saldo {_money(self.balance)}")
            return web.Response(text=self._state_text(existing))
        if existing is not None:  # the same refID again: its status, never a second order
            return web.Response(text=self._repeat_text(existing))
        if not ref or p.get("qty", "1") != "1" or product not in c.products or numbers.try_normalize(dest) is None:
            return web.Response(text=f"TrxID=- {head} GAGAL. Produk atau nomor tidak valid. "
                                     f"Saldo {_money(self.balance)}")
        fault = self._take_fault()
        if fault == "500":
            return web.Response(status=500, text="GAGAL. Gangguan server, coba lagi nanti.")
        price = c.products[product] + c.markup
        if self.balance < price:
            return web.Response(text=f"TrxID=- {head} GAGAL. Saldo tidak cukup. Saldo {_money(self.balance)}")
        order = self._place(ref, product, dest, price)
        behaviour = self.behaviours.get(product, "success")
        if behaviour == "success":
            self._finish(order, True)
        elif behaviour == "failure":
            self._finish(order, False)
        if fault == "drop":
            self._later(order, behaviour)
            request.transport.close()  # the buyer sent it; no answer comes
            await asyncio.sleep(3600)
        if fault == "hang":
            self._later(order, behaviour)
            await asyncio.sleep(3600)
        if behaviour == "silent":
            await self._report(order, self._decide(order))  # the callback first …
            return web.Response(text=self._accepted_text(order))  # … then the answer
        if behaviour == "slow":
            self._later(order, behaviour)
            return web.Response(text=self._accepted_text(order))
        return web.Response(text=self._state_text(order))

    def _take_fault(self) -> str:
        fault = self.fault
        if fault and self.fault_count:
            self.fault_count -= 1
            if self.fault_count == 0:
                self.fault = ""
        return fault

    def _place(self, ref: str, product: str, dest: str, price: int) -> SellerOrder:
        self.balance -= price
        self.ledger.append({"ref": ref, "delta": -price, "balance_after": self.balance})
        order = SellerOrder(self._next_trx, ref, product, dest, price, _dt.datetime.now(), balance_after=self.balance)
        self._next_trx += 1
        self.orders[ref] = order
        return order

    def _decide(self, order: SellerOrder) -> bool:
        """A slow or silent order's result: success unless the product is set to fail."""
        ok = self.behaviours.get(order.product, "success") != "failure"
        self._finish(order, ok)
        return ok

    def _finish(self, order: SellerOrder, ok: bool) -> None:
        if order.status != "processing":
            return
        if ok:
            order.status = "success"
            order.sn = "".join(str(self.rng.randrange(10)) for _ in range(20))
            amount = self.config.products[order.product]
            self.topups.append({"ref": order.ref, "dest": order.dest, "amount": amount, "sn": order.sn})
            national = numbers.try_normalize(order.dest)
            if national is not None:
                self.net.subscriber(national).credit(amount, f"H2H {self.config.name}", order.sn)
        else:
            order.status = "failed"
            self.balance += order.price
            self.ledger.append({"ref": order.ref, "delta": order.price, "balance_after": self.balance})
        order.balance_after = self.balance

    def _later(self, order: SellerOrder, behaviour: str) -> None:
        async def run() -> None:
            if order.status == "processing":
                await asyncio.sleep(self.config.delay if behaviour == "slow" else 0)
                self._decide(order)
            await self._report(order, order.status == "success")

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _report(self, order: SellerOrder, _ok: bool) -> None:
        """The callback (reference h2h.md 3.3): GET URL?refid=…&message=… ; three tries."""
        message = self._state_text(order)
        entry = {"ref": order.ref, "message": message, "status": None}
        self.callbacks.append(entry)
        if not self.callback_url:
            return
        import aiohttp

        for attempt in range(3):
            try:
                # resolved by the OS, not aiodns/pycares (see app/http_client.py; the simulator sits below app/)
                connector = aiohttp.TCPConnector(resolver=aiohttp.ThreadedResolver())
                timeout = aiohttp.ClientTimeout(total=5)
                async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
                    async with session.get(self.callback_url, params={"refid": order.ref, "message": message}) as r:
                        entry["status"] = r.status
                        if r.status < 500:
                            return
            except (aiohttp.ClientError, TimeoutError) as exc:
                entry["status"] = str(exc)
            await asyncio.sleep(0.2 * (attempt + 1))

    # --- sentences (TrxID, product, destination, status: h2h.md 3.3) -----------------------------

    def _hm(self) -> str:
        return f"{_dt.datetime.now():%H:%M}"

    def _accepted_text(self, o: SellerOrder) -> str:
        return (f"Lancar BOS. TrxID={o.trxid} kode {o.product} ke {o.dest} sedang diproses @{self._hm()}. "
                f"Saldo {_money(o.balance_after + o.price)} - {_money(o.price)} = {_money(o.balance_after)}")

    def _state_text(self, o: SellerOrder) -> str:
        if o.status == "success":
            return (f"Lancar BOS. TrxID={o.trxid} kode {o.product} ke {o.dest} Sukses. SN:{o.sn}. "
                    f"Saldo {_money(o.balance_after)}")
        if o.status == "failed":
            return (f"Lancar BOS. TrxID={o.trxid} kode {o.product} ke {o.dest} GAGAL. Stok kosong. "
                    f"Saldo {_money(o.balance_after - o.price)}+{_money(o.price)} = {_money(o.balance_after)} "
                    f"@{self._hm()}")
        return self._accepted_text(o)

    def _repeat_text(self, o: SellerOrder) -> str:
        word = {"success": "Sukses", "failed": "Gagal"}.get(o.status, "Diproses")
        return (f"Lancar BOS. TrxID={o.trxid} kode {o.product} ke {o.dest} sdh pernah jam {o.at:%H:%M}, "
                f"status {word}. SN:{o.sn or '-'}. Saldo {_money(self.balance)}")
