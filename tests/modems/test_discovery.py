"""Discovery: probing ports, binding a modem by IMEI and its SIM by ICCID across replugs."""
from __future__ import annotations

import time
from pathlib import Path

from modems.discovery import ModemRegistry, discover, list_candidates, make_resolver, probe
from modems.driver import Modem, ModemConfig
from modems.types import ModemInfo, ModemState
from tests.modems.conftest import TinyModem


def test_probe_reads_identity(tiny_modem: TinyModem) -> None:
    res = probe(tiny_modem.url, timeout=2.0)
    assert res.ok and res.info.imei == TinyModem.IMEI and res.info.iccid == TinyModem.ICCID


def test_probe_dead_port_fails_fast() -> None:
    t0 = time.monotonic()
    res = probe("socket://127.0.0.1:9", timeout=2.0)
    assert not res.ok and res.error
    assert time.monotonic() - t0 < 3


def test_candidates_include_configured_urls_first() -> None:
    c = list_candidates(["socket://127.0.0.1:1234"])
    assert c[0].url == "socket://127.0.0.1:1234" and c[0].configured


def test_registry_recognises_a_modem_on_a_new_port(tmp_path: Path) -> None:
    reg = ModemRegistry(tmp_path / "modems.json")
    a = reg.bind(ModemInfo("socket://127.0.0.1:1000", imei="111", iccid="8962A", imsi="510"))
    assert a.new_device and a.new_sim and a.moved_from is None
    b = reg.bind(ModemInfo("socket://127.0.0.1:2000", imei="111", iccid="8962A", imsi="510"))
    assert not b.new_device and b.moved_from == "socket://127.0.0.1:1000"
    assert reg.port_for("111") == "socket://127.0.0.1:2000"
    # the SIM moves to another dongle: same chip, new device
    c = reg.bind(ModemInfo("socket://127.0.0.1:3000", imei="222", iccid="8962A"))
    assert c.sim_moved_from == "111" and not c.new_sim
    again = ModemRegistry(tmp_path / "modems.json")  # persisted
    assert again.port_for("111") == "socket://127.0.0.1:2000" and again.sim("8962A").imei == "222"


def test_discover_binds_and_skips_owned_ports(tiny_modem: TinyModem) -> None:
    reg = ModemRegistry()
    found = discover([tiny_modem.url, "socket://127.0.0.1:9"], reg, timeout=1.0)
    assert [b.info.imei for b in found] == [TinyModem.IMEI]
    assert discover([tiny_modem.url], reg, exclude=[tiny_modem.url]) == []


def test_modem_comes_back_on_another_port_after_unplug() -> None:
    """Unplug (the TCP port closes) and replug on a new port with the same IMEI/ICCID: the
    driver's recovery ladder asks the resolver, which finds it by IMEI."""
    first = TinyModem()
    second: TinyModem | None = None
    reg = ModemRegistry()
    urls: list[str] = [first.url]
    events: list = []
    m = Modem(first.url, ModemConfig(sweep_interval=3600, health_interval=3600, liveness_idle=3600),
              modem_id="m", on_event=events.append,
              resolver=make_resolver(reg, lambda: urls, timeout=1.0))
    try:
        reg.bind(m.open())
        first.close()  # unplug
        m.poll(0.2)
        assert m.state == ModemState.OFFLINE or not m.is_open
        second = TinyModem()  # replug, new port, same identity
        urls.append(second.url)
        deadline = time.monotonic() + 20
        while not m.recover() and time.monotonic() < deadline:
            m.abort.wait(0.2)  # back-off between rungs of the ladder
        assert m.state == ModemState.ONLINE and m.port_url == second.url
        assert m.info.imei == TinyModem.IMEI and reg.port_for(TinyModem.IMEI) == second.url
    finally:
        m.close()
        if second:
            second.close()
