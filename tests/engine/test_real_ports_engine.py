"""The working server end to end on device paths instead of sockets.

Every modem of the virtual network is published as a pty (`DIR/ttyV0` …, the simulator's own
``pty_dir``, no socat needed) and the shop is configured with those paths, exactly as a shop with USB
dongles is configured with /dev/ttyUSB0 …: a reseller's SMS comes in on the center modem's tty, the
top-up is dialled on a chip's tty, the reply leaves through a sender's tty. Then a chip is pulled
out in the middle of a top-up and plugged back in under another device name: the order is suspect
(never dialled again), and the modem is found again by its IMEI and taken back under its own name.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from storage.models import Attempt, Order, Reseller

from .conftest import R001, Env, run

pytestmark = pytest.mark.skipif(os.name != "posix", reason="ptys are POSIX")


@pytest.fixture
def pty_env(tmp_path, scenario):
    from app.demo import configure_network, seed_demo
    from modems.sim import SimNetwork
    from storage.db import close_database, open_database

    net = SimNetwork.from_scenario(scenario, pty_dir=tmp_path / "dev")
    net.start()
    open_database(tmp_path / "engine.db")
    seed_demo()
    environment = Env(net, db_path=str(tmp_path / "engine.db"))
    modems = environment.api("GET", "/api/modems")
    for m in modems:
        assert m["pty"], m
        m["port_url"] = m["pty"]  # the shop's config names device paths
    configure_network(modems, scenario)
    yield environment
    net.stop()
    close_database()


def _device_ports(env: Env) -> dict[str, str]:
    return {name: w.info.port_url for name, w in env.runtime.modems.workers.items()}


def test_order_in_topup_and_reply_out_all_over_ttys(pty_env, tmp_path):
    env = pty_env

    async def body():
        await env.start()
        dev = str(tmp_path / "dev")
        assert all(Path(p).parent == Path(dev) for p in _device_ports(env).values()), _device_ports(env)
        env.sms("S10.081389092678.1234")
        order = await env.wait(lambda: Order.select().where(Order.status == "success").first(), what="success")
        assert env.api("GET", "/api/subscribers/081389092678")["airtime"] == 10_000
        replies = await env.wait(lambda: [t for t in env.received(R001) if "SUKSES" in t], what="reply")
        assert replies == [f"TrxID {order.id}: S10 ke 081389092678 SUKSES. SN:{order.sn}. Harga 10.550. "
                           f"Saldo 989.450 @{order.finished_at:%H:%M}"]
        chip = Attempt.get(Attempt.order == order.id)
        assert chip.outcome == "success"
        await env.stop()
    run(body())


def test_chip_pulled_out_mid_topup_comes_back_on_another_tty_under_its_name(pty_env, tmp_path):
    env = pty_env

    async def body():
        from app.engine_settings import EngineSettings

        env.api("POST", "/api/operators/TSEL", {"ussd_delay": 1.5, "followup": "never"})
        await env.start(settings=EngineSettings(pending_timeout_s=5, reconcile_interval_s=0.5,
                                                stock_check_interval_s=3600),
                        overrides={"max_backoff": 1.0})
        before = _device_ports(env)
        env.sms("S10.081389092678.1234")
        sent = await env.wait(lambda: [u for u in env.api("GET", "/api/ussd-log") if "081389092678" in u["request"]])
        chip = sent[0]["modem"]
        env.api("POST", f"/api/modems/{chip}/unplug")  # the dongle is pulled out: its tty disappears
        order = await env.wait(lambda: Order.select().where(Order.status == "suspect").first(), what="suspect")
        assert not os.path.lexists(before[chip])
        assert Attempt.get(Attempt.order == order.id).outcome == "unknown"
        assert Reseller.get(Reseller.code == "R001").balance == 1_000_000 - 10_550  # held, not refunded
        new_path = env.api("POST", f"/api/modems/{chip}/replug", {"new_port": True})["pty"]
        assert new_path and new_path != before[chip] and Path(new_path).parent == Path(before[chip]).parent
        await env.wait(lambda: env.engine.links[chip].online, what="the chip back online")
        after = _device_ports(env)
        assert after[chip] == new_path  # found again by IMEI, under the same modem name
        assert {k: v for k, v in after.items() if k != chip} == {k: v for k, v in before.items() if k != chip}
        # the chip's own history settles the suspect; the top-up was never dialled twice
        await env.wait(lambda: Order.get_by_id(order.id).status == "success", what="reconciled from history")
        topups = [u for u in env.api("GET", "/api/ussd-log") if "081389092678" in u["request"]]
        assert len(topups) == 1
        assert env.api("GET", "/api/subscribers/081389092678")["airtime"] == 10_000
        # plugged into its first USB socket again: back at the configured path, still the same modem
        assert env.net.publish_pty(chip, before[chip]) == before[chip]
        await env.wait(lambda: _device_ports(env)[chip] == before[chip] and env.engine.links[chip].online,
                       what="the chip back at its configured path")
        await env.stop()
    run(body())


def test_config_file_ports_of_every_kind_and_a_baud_rate_reach_the_driver(db):
    """docs/config.md: a device path with its own baud rate (an old phone on a data cable), a modem on
    another PC, and a bad baud rate refused before anything starts."""
    from app.config import ConfigError, apply, parse
    from app.modem_records import modem_record
    from modems import ports

    specs = parse({"modems": [
        {"name": "hp-lama", "port": "/dev/ttyUSB3", "roles": ["center"], "baudrate": 19200},
        {"name": "pc2-1", "port": "rfc2217://192.168.1.20:4001", "roles": ["sender"]},
        {"name": "com", "port": "COM7", "roles": ["sender"]},
    ]})
    apply(specs)
    old_phone = modem_record("hp-lama").driver_config()
    assert old_phone.baudrate == 19200 and ports.open_kwargs("/dev/ttyUSB3", old_phone)["baudrate"] == 19200
    remote = modem_record("pc2-1")
    assert remote.driver_config().baudrate == 115200 and ports.port_kind(remote.port_url) == "rfc2217"
    assert ports.port_kind(modem_record("com").port_url) == "device"
    with pytest.raises(ConfigError, match="baudrate"):
        parse({"modems": [{"name": "x", "port": "COM1", "roles": ["center"], "baudrate": -5}]})
