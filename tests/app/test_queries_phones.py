"""Read model of the "Telepon" view, without Qt, on SQLite and PostgreSQL: configured modems merged with
the live state of an engine (links, suppliers, the status poll) and the order each chip is sending."""
from __future__ import annotations

import datetime as dt
from concurrent.futures import Future

import pytest

from app.engine import Engine
from app.queries.phones import PhoneRow, Work, phone_rows, working_on
from app.service import MessageService
from app.suppliers import build_supplier
from modems.types import ModemState, ModemStatus, Registration, SignalInfo
from storage.models import Modem
from storage.models import Supplier as SupplierRow

from .query_dbs import any_db  # noqa: F401  (fixture)
from .shop_orders import Shop

T0 = dt.datetime(2026, 6, 15, 10, 0)


class Handle:
    """A modem worker's handle as the engine holds it, with the identity it read from the modem."""

    def __init__(self, imei: str = "", iccid: str = ""):
        self.info = type("Info", (), {"imei": imei, "iccid": iccid})()

    def submit(self, op) -> Future:
        fut: Future = Future()
        fut.set_exception(RuntimeError("not in this test"))
        return fut


@pytest.fixture
def shop(any_db):  # noqa: F811
    return Shop()


def _engine() -> Engine:
    return Engine(MessageService(clock=lambda: T0), clock=lambda: T0)


def test_rows_without_a_running_engine_come_from_the_database(shop):
    rows = phone_rows(_engine())
    assert [r.name for r in rows] == ["center-1", "tsel-1", "isat-1"]
    center, tsel, _isat = rows
    assert center.roles == ("center",) and center.state == "offline" and center.supplier_id is None
    assert tsel.roles == ("chip",) and tsel.supplier == "chip tsel-1" and tsel.supplier_id == shop.chip
    assert tsel.operator == "TSEL" and tsel.stock is None and tsel.working_on is None and tsel.bars == 0
    assert not tsel.online and tsel.port == "socket://127.0.0.1:9"


def test_live_state_stock_work_and_errors_are_merged(shop):
    engine = _engine()
    for name in ("center-1", "tsel-1", "isat-1"):
        link = engine.attach_modem(name, Handle(imei=f"35{name}", iccid="8962"), {"chip"})
        link.state, link.signal_bars = ModemState.ONLINE, 4
    engine.links["isat-1"].state = ModemState.STOPPED
    engine.links["isat-1"].detail = "diputus admin"
    live = build_supplier(SupplierRow.get_by_id(shop.chip), engine.links)
    engine.suppliers[live.id] = live
    live.stock, live.busy = 80_000, True  # below its low-stock mark of 100.000
    sending = shop.place(T0, "sending")
    later = shop.place(T0 + dt.timedelta(seconds=5), "sending")
    Modem.update(active=False).where(Modem.name == "center-1").execute()  # still attached: still shown

    status = ModemStatus(ModemState.ONLINE, SignalInfo(20), "Telkomsel", Registration(1), None)
    rows = {r.name: r for r in phone_rows(engine, statuses={"tsel-1": status}, errors={"isat-1": "port hilang"})}
    tsel = rows["tsel-1"]
    assert isinstance(tsel, PhoneRow) and tsel.state == "busy" and tsel.online  # online, its chip mid top-up
    assert tsel.stock == 80_000 and tsel.low_stock and tsel.bars == 4 and tsel.dbm == -73
    assert tsel.operator == "TSEL · Telkomsel" and tsel.imei == "35tsel-1"
    assert tsel.working_on == Work(sending, "S10", tsel.working_on.dest) and str(tsel.working_on).startswith(
        f"#{sending} S10 0812")
    assert working_on()[shop.chip].order_id == sending != later  # the oldest order being sent
    isat = rows["isat-1"]
    assert (isat.state, isat.detail, isat.last_error) == ("stopped", "diputus admin", "port hilang")
    assert isat.bars == 0  # the last signal of a stopped modem says nothing
    assert not rows["center-1"].active and rows["center-1"].state == "online"
    live.disabled_reason = "PIN chip salah"
    assert {r.name: r for r in phone_rows(engine)}["tsel-1"].last_error == "PIN chip salah"
    Modem.update(active=False).where(Modem.name == "isat-1").execute()
    del engine.links["isat-1"]
    assert "isat-1" not in {r.name for r in phone_rows(engine)}  # inactive and not running: not shown
