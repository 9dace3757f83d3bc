"""Shared helpers for the shop views' tests: a million-order database built once, a real UiContext
(a real engine that is not started, the real bridge, a fixed clock), and a small demo shop with some
history (orders placed through MessageService and settled through app.orders, each with its attempt
and operator text), all at fixed times: no test depends on the date or the time of day."""
from __future__ import annotations

import datetime as dt
import os
import random
import sys
import tempfile
from pathlib import Path

from app import orders
from app.config import ModemSpec, apply
from app.demo import seed_demo
from app.service import Inbound, MessageService
from storage.models import Attempt, InboundMessage, Modem, OutboundMessage, Supplier

ROOT = Path(__file__).resolve().parents[2]
BIG_ORDERS = 1_000_000


def big_db_path() -> Path:
    """A million-order database, built on first use and kept for the session (per process). Its orders
    end at SHOP_NOW, the clock of `make_context()`, so "today" in a view finds the last day's orders."""
    cached = os.environ.get("PULSA_BIG_DB")
    if cached and Path(cached).exists():
        return Path(cached)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from benchmarks.make_big_db import build

    path = Path(tempfile.mkdtemp(prefix="pulsa-big-")) / "big.db"
    build(path, BIG_ORDERS, end=SHOP_NOW)  # orders over the 60 days before the tests' "now"
    os.environ["PULSA_BIG_DB"] = str(path)
    return path


SHOP_NOW = dt.datetime(2026, 6, 15, 14, 30, 0)  # "now" for the views' tests: a fixed afternoon


class FixedClock:
    def __init__(self, now: dt.datetime = SHOP_NOW):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def make_context(clock: FixedClock | None = None, actor: str = "tester"):
    """The real UiContext of the window, over a real engine that is not started (no modems), on a
    fixed clock. Needs an open database."""
    from app.engine import Engine
    from ui.bridge import EngineBridge
    from ui.context import UiContext

    clock = clock or FixedClock()
    engine = Engine(MessageService(clock=clock), clock=clock)
    return UiContext(engine=engine, bridge=EngineBridge(engine), actor=actor)


SUCCESS_TEXT = "Trx {code}.{dest} BERHASIL. SN: {sn}. Sisa saldo Rp {stock}"
FAILED_TEXT = "Trx {code}.{dest} GAGAL. Nomor tujuan salah"


def seed_shop(n_orders: int = 40, seed: int = 3, now: dt.datetime = SHOP_NOW) -> dict[str, int]:
    seed_demo()
    apply([
        ModemSpec(name="center-1", port="socket://127.0.0.1:9", roles=["center"]),
        ModemSpec(name="sender-1", port="socket://127.0.0.1:9", roles=["sender"]),
        ModemSpec(name="tsel-1", port="socket://127.0.0.1:9", roles=["chip"], operator="TSEL", pin="1234"),
        ModemSpec(name="tsel-2", port="socket://127.0.0.1:9", roles=["chip"], operator="TSEL", pin="1234"),
        ModemSpec(name="isat-1", port="socket://127.0.0.1:9", roles=["chip"], operator="ISAT", pin="1234"),
        ModemSpec(name="xl-1", port="socket://127.0.0.1:9", roles=["chip"], operator="XL", pin="1234"),
    ])
    stocks = {s.id: 2_500_000 + 500_000 * i for i, s in enumerate(Supplier.select().order_by(Supplier.id))}
    for sid, stock in stocks.items():
        Supplier.update(stock=stock).where(Supplier.id == sid).execute()
    chips = {s.name: s.id for s in Supplier.select()}
    rng = random.Random(seed)
    # orders spread over the last hour, one every `step`, so per-minute charts have a shape
    step = dt.timedelta(minutes=55) / max(n_orders, 1)
    moment = [now - step * n_orders]
    service = MessageService(clock=lambda: moment[0])
    products = [("S10", "0812", "chip tsel-1"), ("S5", "0813", "chip tsel-2"), ("I10", "0857", "chip isat-1"),
                ("X10", "0817", "chip xl-1"), ("S20", "0852", "chip tsel-1")]
    senders = [("081211110001", "1234"), ("081211110003", "5555"), ("081211110011", "1234")]
    counts = {"success": 0, "failed": 0, "suspect": 0, "queued": 0}
    for i in range(n_orders):
        moment[0] += step
        now = moment[0]
        code, prefix, chip = products[i % len(products)]
        phone, pin = senders[i % len(senders)]
        dest = f"{prefix}{rng.randrange(10**7, 10**8)}"
        result = service.handle(Inbound("sms", phone, f"{code}.{dest}.{pin}", modem="center-1"))
        if not result.new_orders:
            continue
        order_id = result.new_orders[0]
        fate = "queued" if i % 13 == 12 else "suspect" if i % 11 == 10 else "failed" if i % 7 == 6 else "success"
        counts[fate] += 1
        if fate == "queued":
            continue
        orders.mark_sending(order_id, chips[chip], now=now)
        stocks[chips[chip]] -= 10_000
        request = f"*777*{dest}*{code[1:]}*****#"
        if fate == "success":
            sn = f"{rng.randrange(10**15, 10**16)}"
            text = SUCCESS_TEXT.format(code=code, dest=dest, sn=sn, stock=f"{stocks[chips[chip]]:,}".replace(",", "."))
            Attempt.create(order=order_id, supplier=chips[chip], request=request, response=text, outcome="success",
                           sn=sn, started_at=now, finished_at=now)
            orders.settle_success(order_id, sn, cost=int(code[1:]) * 1000 - 150, now=now)
            OutboundMessage.create(to=phone, text=f"SUKSES {code} {dest} SN:{sn}", order=order_id, event="success",
                                   status="sent", modem="sender-1", created_at=now, sent_at=now, attempts=1)
        elif fate == "failed":
            Attempt.create(order=order_id, supplier=chips[chip], request=request,
                           response=FAILED_TEXT.format(code=code, dest=dest), outcome="failed",
                           reason="DEST_INVALID", started_at=now, finished_at=now)
            orders.settle_failed(order_id, "Nomor tujuan salah", now=now)
            OutboundMessage.create(to=phone, text=f"GAGAL {code} {dest}: Nomor tujuan salah", order=order_id,
                                   event="failed", status="queued", modem="sender-1", created_at=now)
        else:
            Attempt.create(order=order_id, supplier=chips[chip], request=request, response="", outcome="unknown",
                           started_at=now)
            orders.mark_suspect(order_id, "tidak ada jawaban operator", now=now)
    for sid, stock in stocks.items():
        Supplier.update(stock=stock).where(Supplier.id == sid).execute()
    service.handle(Inbound("sms", "081299990000", "S10.081212121212.0000", modem="center-1"))  # unknown sender
    InboundMessage.update(modem="center-1").where(InboundMessage.modem == "").execute()
    assert Modem.select().count() == 6
    return counts
