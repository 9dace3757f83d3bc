"""The driver, the worker and the modem tool over real tty devices and RFC 2217, with real parts.

Until now every modem test went through ``socket://``. A shop plugs in USB dongles (/dev/ttyUSB0,
COM3) and puts modems of a second PC behind ser2net (``rfc2217://``). Here the simulator's modems are
put behind exactly those: a pty made by ``socat`` (or by the simulator itself, ``pty_dir``) and
Debian's ``ser2net`` 4.x in RFC 2217 mode on a loopback port. Pulling a dongle out is stopping socat
(the tty closes, the device path disappears); re-plugging is starting it again, at the same path or
another one; a stopped ser2net is a network drop.

Skipped only when socat / ser2net are missing (the reason is printed). Every wait ends on a condition
or a deadline; every port is on 127.0.0.1.
"""
from __future__ import annotations

import copy
import json
import os
import re
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import serial

from modems import ports
from modems.discovery import ModemRegistry, make_resolver, sibling_ports
from modems.driver import Modem, ModemConfig
from modems.ports import PortOpenError
from modems.sim import SimNetwork
from modems.sim.scenario import ScenarioError, load
from modems.types import GetInfo, GetSignal, ModemState, SendSms, SmsReceived, StateChanged, Ussd, UssdOutcome
from modems.worker import ModemWorker
from tests.modems.conftest_sim import CENTER, CHIP_PIN, CUSTOMER, DEST, SCENARIO, Ctl, Events, fast_config, pump_until
from tests.realparts import Ser2net, Socat, free_port, need, version, wait_for

ROOT = Path(__file__).resolve().parents[2]
POSIX_ONLY = pytest.mark.skipif(os.name != "posix", reason="ptys and ser2net are POSIX")
STOCK = f"*776*{CHIP_PIN}#"
TOPUP = f"*777*{DEST}*10*{CHIP_PIN}#"
SN_RE = re.compile(r"SN:(\d{20})")


def _scenario() -> dict:
    sc = copy.deepcopy(SCENARIO)
    sc["modems"] = [m for m in sc["modems"] if m["id"] in ("center", "sender", "chip", "hw")]
    return sc


@pytest.fixture
def net() -> Iterator[SimNetwork]:
    network = SimNetwork.from_scenario(_scenario())
    network.start()
    try:
        yield network
    finally:
        network.stop()


@pytest.fixture
def ctl(net: SimNetwork) -> Ctl:
    assert net.control_url
    return Ctl(net.control_url, net.control_token)


def vm(net: SimNetwork, modem_id: str) -> Any:
    return next(m for m in net.modems if m.id == modem_id)


def immediate_flow(ctl: Ctl, **extra: Any) -> None:
    ctl.post("/api/operators/TSEL", {"flow": "immediate", **extra})


def modem_tool(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """`main.py modem …` as the shop owner runs it, in its own process."""
    env = {**os.environ, "PULSA_NO_BOOTSTRAP": "1", "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "modem", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def state_events(events: Events, state: ModemState, since: int) -> StateChanged:
    ev = events.wait_for(lambda e: isinstance(e, StateChanged) and e.state == state, timeout=20, since=since)
    assert isinstance(ev, StateChanged)
    return ev


# ---------------------------------------------------------------------------------------------
# Every documented kind of port, opened with the settings it accepts
# ---------------------------------------------------------------------------------------------


def test_each_kind_of_port_gets_only_the_settings_it_accepts() -> None:
    cfg = ModemConfig(baudrate=9600, write_timeout=4.0, read_timeout=0.05)
    assert [ports.port_kind(u) for u in ("COM3", "/dev/ttyUSB0", "socket://h:1", "rfc2217://h:2", "loop://")] == \
        ["device", "device", "socket", "rfc2217", "url"]
    com = ports.open_kwargs("COM3", cfg)
    assert com["baudrate"] == 9600 and com["write_timeout"] == 4.0
    assert com.get("exclusive") is (True if os.name == "posix" else None)  # Windows: always exclusive
    assert ports.open_kwargs("COM3", ModemConfig(exclusive=False)).get("exclusive") is None  # never False
    sock = ports.open_kwargs("socket://127.0.0.1:7001", cfg)
    assert sock == {"timeout": 0.05, "write_timeout": 4.0}
    rfc = ports.open_kwargs("rfc2217://127.0.0.1:7401", cfg)
    assert "write_timeout" not in rfc and "exclusive" not in rfc and rfc["baudrate"] == 9600
    assert ports.url_for_open("rfc2217://10.0.0.2:7401") == "rfc2217://10.0.0.2:7401?ign_set_control"
    assert ports.url_for_open("rfc2217://10.0.0.2:7401?timeout=5") == "rfc2217://10.0.0.2:7401?timeout=5"
    assert ports.url_for_open("/dev/ttyUSB0") == "/dev/ttyUSB0"
    # and pyserial really accepts each set: a loop:// port is opened with the device settings
    port = ports.open_port("loop://", cfg)
    try:
        port.write(b"AT\r")
        assert port.read(3) == b"AT\r"
    finally:
        ports.close_port(port)


def test_a_port_that_cannot_be_opened_says_why_in_indonesian(tmp_path: Path) -> None:
    cases = {
        str(tmp_path / "ttyUSB7"): ("missing", "tidak ada"),
        f"socket://127.0.0.1:{free_port()}": ("refused", "Tidak ada yang melayani"),
        f"rfc2217://127.0.0.1:{free_port()}": ("refused", "ser2net berjalan"),
        "foo://x": ("bad_url", "Alamat port tidak dikenal"),
    }
    for url, (reason, words) in cases.items():
        with pytest.raises(PortOpenError) as err:
            Modem(url, fast_config(), modem_id="t").open()
        assert err.value.reason == reason and words in str(err.value), (url, str(err.value))
    busy = ports.open_error("/dev/ttyUSB0", serial.SerialException(
        11, "Could not exclusively lock port /dev/ttyUSB0: [Errno 11] Resource temporarily unavailable"))
    assert busy.busy and "sedang dipakai program lain" in str(busy)
    win = ports.open_error("COM3", serial.SerialException(
        "could not open port 'COM3': PermissionError(13, 'Access is denied.', None, 5)"))
    assert win.busy
    ser2net_not_rfc = ports.open_error("rfc2217://h:1", serial.SerialException(
        "Remote does not seem to support RFC2217 or BINARY mode [we-BINARY:INACTIVE]"))
    assert ser2net_not_rfc.reason == "not_rfc2217" and "telnet(rfc2217)" in str(ser2net_not_rfc)


def test_siblings_of_a_device_path_are_where_a_replugged_modem_may_be(tmp_path: Path) -> None:
    for name in ("ttyV0", "ttyV1", "ttyV10", "ttyS0", "ttyVx", "other"):
        (tmp_path / name).touch()
    assert sibling_ports(str(tmp_path / "ttyV0")) == [str(tmp_path / "ttyV1"), str(tmp_path / "ttyV10")]
    assert sibling_ports(str(tmp_path / "ttyV5")) == [str(tmp_path / n) for n in ("ttyV0", "ttyV1", "ttyV10")]
    assert sibling_ports("socket://127.0.0.1:7001") == [] and sibling_ports("rfc2217://h:1") == []
    assert sibling_ports("COM5") == []  # Windows: the USB serial ports are listed by list_candidates
    assert sibling_ports(str(tmp_path / "missing" / "ttyV0")) == []


def test_scenario_pty_options_are_checked() -> None:
    sc = load({"pty_dir": "/tmp/x", "modems": [
        {"id": "a", "role": "center", "msisdn": "081200000001", "pty": True},
        {"id": "b", "role": "chip", "msisdn": "081200000002", "pty": "chipB"},
        {"id": "c", "role": "chip", "msisdn": "081200000010", "count": 2, "pty": "pool"},
        {"id": "d", "role": "chip", "msisdn": "081200000020", "pty": False}]})
    assert sc.pty_dir == "/tmp/x"
    assert [m.pty for m in sc.modems] == [True, "chipB", "pool1", "pool2", False]
    with pytest.raises(ScenarioError, match="pty"):
        load({"modems": [{"id": "a", "role": "center", "msisdn": "081200000001", "pty": 3}]})


# ---------------------------------------------------------------------------------------------
# A pty made by socat in front of a simulator modem
# ---------------------------------------------------------------------------------------------


@POSIX_ONLY
def test_driver_runs_info_sms_and_ussd_over_a_tty(net: SimNetwork, ctl: Ctl, tmp_path: Path) -> None:
    need("socat")
    immediate_flow(ctl)
    tty = Socat(tmp_path / "ttyV0", vm(net, "chip").port, tmp_path).start()
    try:
        events = Events()
        m = Modem(str(tty.link), fast_config(baudrate=9600), modem_id="chip", on_event=events)
        info = m.open()
        try:
            assert info.imei == vm(net, "chip").imei and info.iccid == vm(net, "chip").iccid
            assert info.port_url == str(tty.link)
            # the serial settings reached the real tty: 9600 baud, raw, and an exclusive lock
            port = m._port
            assert isinstance(port, serial.Serial) and port.exclusive
            attrs = termios.tcgetattr(port.fileno())
            assert attrs[4] == attrs[5] == termios.B9600 and not attrs[3] & termios.ICANON
            result = m.send_sms(CUSTOMER, "Tes lewat tty")
            assert result.parts and all(p.mr is not None for p in result.parts)
            wait_for(lambda: [x for x in ctl.inbox(CUSTOMER) if x["text"] == "Tes lewat tty"], what="SMS delivered")
            ctl.sms(CUSTOMER, vm(net, "chip").msisdn, "Halo dari pelanggan")
            got = pump_until(m, lambda: [e for e in events.of(SmsReceived) if e.sms.text == "Halo dari pelanggan"],
                             what="incoming SMS over the tty")
            assert got[0].sms.sender.endswith(CUSTOMER[1:])
            before = ctl.airtime(DEST)
            topup = m.ussd(TOPUP, secrets=(CHIP_PIN,))
            assert topup.outcome == UssdOutcome.DONE and SN_RE.search(topup.text), topup
            assert ctl.airtime(DEST) == before + 10_000
        finally:
            m.close()
    finally:
        tty.stop()


@POSIX_ONLY
def test_modem_tool_opens_a_device_path(net: SimNetwork, tmp_path: Path) -> None:
    need("socat")
    tty = Socat(tmp_path / "ttyV0", vm(net, "center").port, tmp_path).start()
    try:
        out = modem_tool("--port", str(tty.link), "info")
        assert out.returncode == 0, out.stderr
        assert vm(net, "center").imei in out.stdout and "Registrasi" in out.stdout
    finally:
        tty.stop()


@POSIX_ONLY
def test_a_second_program_cannot_open_the_same_tty(net: SimNetwork, tmp_path: Path) -> None:
    need("socat")
    tty = Socat(tmp_path / "ttyV0", vm(net, "center").port, tmp_path).start()
    first = Modem(str(tty.link), fast_config(), modem_id="first")
    try:
        first.open()
        with pytest.raises(PortOpenError) as err:
            Modem(str(tty.link), fast_config(), modem_id="second").open()
        assert err.value.busy and "sedang dipakai program lain" in str(err.value)
        # the shop owner's tool run while the server holds the modem: exit 3 and the same clear words
        out = modem_tool("--port", str(tty.link), "info")
        assert out.returncode == 3 and "sedang dipakai program lain" in out.stderr, out
        assert first.get_signal().rssi == 20  # the owner's line was never disturbed
    finally:
        first.close()
    try:
        second = Modem(str(tty.link), fast_config(), modem_id="second")
        assert second.open().imei == vm(net, "center").imei  # free again once the first one closed
        second.close()
    finally:
        tty.stop()


def _worker(url: str, events: Events, resolver: Any = None, modem_id: str = "chip", **config: Any) -> ModemWorker:
    w = ModemWorker(url, fast_config(**config), modem_id=modem_id, on_event=events, resolver=resolver)
    w.start()
    assert w.opened.wait(10) and w.state == ModemState.ONLINE, w.state
    for _ in range(2):  # the start-up sweep is over before a fault is injected
        w.submit(GetSignal()).result(timeout=10)
    return w


@POSIX_ONLY
@pytest.mark.parametrize("replug", ["same path", "another path"])
def test_tty_unplugged_mid_ussd_comes_back_and_is_found_by_imei(net: SimNetwork, ctl: Ctl, tmp_path: Path,
                                                                replug: str) -> None:
    need("socat")
    ctl.post("/api/operators/TSEL", {"ussd_delay": 1.5})
    chip = vm(net, "chip")
    first = Socat(tmp_path / "ttyV0", chip.port, tmp_path).start()
    decoy = Socat(tmp_path / "ttyV3", vm(net, "center").port, tmp_path).start()  # another modem next to it
    registry = ModemRegistry()
    resolver = make_resolver(registry, lambda: sibling_ports(str(first.link)), config=fast_config(), timeout=1.0)
    events = Events()
    w = _worker(str(first.link), events, resolver)
    second: Socat | None = None
    try:
        registry.bind(w.info)
        fut = w.submit(Ussd(STOCK, secrets=(CHIP_PIN,), timeout=5.0))
        wait_for(lambda: ctl.ussd_log("chip"), what="the request reached the network")
        mark = events.mark()
        unplugged = time.monotonic()
        first.unplug()  # the dongle is pulled out in the middle of the command
        result = fut.result(timeout=10)
        assert result.outcome == UssdOutcome.UNKNOWN and "port lost" in (result.error or ""), result
        state_events(events, ModemState.OFFLINE, mark)
        lost_after = time.monotonic() - unplugged
        with pytest.raises(Exception) as refused:  # a command while it is out fails at once, cleanly
            w.submit(GetSignal()).result(timeout=10)
        assert "offline" in str(refused.value) or "needs_attention" in str(refused.value)
        mark = events.mark()
        path = tmp_path / ("ttyV0" if replug == "same path" else "ttyV1")
        second = Socat(path, chip.port, tmp_path).start()
        plugged = time.monotonic()
        state_events(events, ModemState.ONLINE, mark)
        back_after = time.monotonic() - plugged
        info = w.submit(GetInfo()).result(timeout=10)
        assert info.port_url == str(path) and info.imei == chip.imei and w.modem_id == "chip"
        assert registry.port_for(chip.imei) == str(path)
        assert w.submit(GetSignal()).result(timeout=10).rssi == 20
        assert len(ctl.ussd_log("chip")) == 1  # the USSD whose result was lost was never sent again
        assert decoy.running  # the other modem's port was probed at most, never taken
        print(f"\n[{replug}] port loss seen after {lost_after:.2f} s; back online {back_after:.2f} s after replug")
    finally:
        assert w.stop(3.0)
        for s in (first, decoy, second):
            if s is not None:
                s.stop()


# ---------------------------------------------------------------------------------------------
# The simulator's own ptys (no socat): DIR/ttyV0 …
# ---------------------------------------------------------------------------------------------


@POSIX_ONLY
def test_simulator_publishes_its_modems_as_ptys_that_behave_like_usb(tmp_path: Path) -> None:
    dev = tmp_path / "dev"
    with SimNetwork.from_scenario(_scenario(), pty_dir=dev) as net:
        ctl = Ctl(net.control_url, net.control_token)
        listed = {m["id"]: m["pty"] for m in ctl.get("/api/modems")}
        assert listed == {m.id: str(dev / f"ttyV{i}") for i, m in enumerate(net.modems)}
        assert all(os.path.realpath(p).startswith("/dev/pts/") for p in listed.values())
        registry = ModemRegistry()
        resolver = make_resolver(registry, lambda: sibling_ports(listed["chip"]), config=fast_config(), timeout=1.0,
                                 exclude=lambda: [listed[i] for i in listed if i != "chip"])
        events = Events()
        w = _worker(listed["chip"], events, resolver)
        try:
            assert w.info.imei == vm(net, "chip").imei
            mark = events.mark()
            ctl.post("/api/modems/chip/unplug")
            wait_for(lambda: not os.path.lexists(listed["chip"]), what="the device path disappears")
            state_events(events, ModemState.OFFLINE, mark)
            mark = events.mark()
            new = ctl.post("/api/modems/chip/replug", {"new_port": True})
            assert new["pty"] == str(dev / f"ttyV{len(listed)}")  # re-enumerated under the next free number
            state_events(events, ModemState.ONLINE, mark)
            assert w.submit(GetInfo()).result(timeout=10).port_url == new["pty"]
            w.submit(SendSms(CUSTOMER, "Balik lagi")).result(timeout=10)
            wait_for(lambda: [x for x in ctl.inbox(CUSTOMER) if x["text"] == "Balik lagi"], what="SMS delivered")
        finally:
            assert w.stop(3.0)
    assert not any(dev.iterdir())  # every link removed at stop


@POSIX_ONLY
def test_simulator_command_line_publishes_ptys(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps(_scenario()))
    dev = tmp_path / "dev"
    proc = subprocess.Popen([sys.executable, "-m", "modems.sim", "--scenario", str(scenario), "--pty", str(dev)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("control token"):
                break
        ttys = re.findall(r"(\S+/ttyV\d+)$", "".join(lines), re.M)
        assert ttys == [str(dev / f"ttyV{i}") for i in range(4)], lines
        out = modem_tool("--port", ttys[0], "info")
        assert out.returncode == 0 and "IMEI" in out.stdout, out
    finally:
        proc.terminate()
        proc.wait(20)
        if proc.stdout is not None:
            proc.stdout.close()
    assert proc.returncode == 0 and not any(dev.iterdir())


# ---------------------------------------------------------------------------------------------
# RFC 2217 through Debian's ser2net
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def pty_net(tmp_path: Path) -> Iterator[SimNetwork]:
    """The network with every modem also published as a pty: ser2net needs a device to serve."""
    network = SimNetwork.from_scenario(_scenario(), pty_dir=tmp_path / "dev")
    network.start()
    try:
        yield network
    finally:
        network.stop()


@POSIX_ONLY
def test_rfc2217_through_ser2net_runs_the_driver_and_the_modem_tool(pty_net: SimNetwork, tmp_path: Path) -> None:
    need("ser2net")
    ctl = Ctl(pty_net.control_url, pty_net.control_token)
    center = vm(pty_net, "center")
    server = Ser2net(Path(center.pty), tmp_path).start()
    try:
        events = Events()
        m = Modem(server.url, fast_config(), modem_id="center", on_event=events)
        started = time.monotonic()
        info = m.open()
        opened_in = time.monotonic() - started
        try:
            assert info.imei == center.imei and info.port_url == server.url
            m.send_sms(CUSTOMER, "Dari PC kedua")
            wait_for(lambda: [x for x in ctl.inbox(CUSTOMER) if x["text"] == "Dari PC kedua"], what="SMS delivered")
            ctl.sms(CUSTOMER, CENTER, "S10.081389092678.1234")
            pump_until(m, lambda: [e for e in events.of(SmsReceived) if e.sms.text == "S10.081389092678.1234"],
                       what="an order arrives over RFC 2217")
            assert m.get_signal().rssi == 20
        finally:
            m.close()
        out = modem_tool("--port", server.url, "info")
        assert out.returncode == 0 and center.imei in out.stdout, out
        print(f"\n{version(['ser2net', '-v'])}: RFC 2217 open + init {opened_in:.2f} s")
    finally:
        server.stop()


@POSIX_ONLY
def test_worker_reconnects_when_ser2net_restarts(pty_net: SimNetwork, tmp_path: Path) -> None:
    need("ser2net")
    chip = vm(pty_net, "chip")
    server = Ser2net(Path(chip.pty), tmp_path).start()
    events = Events()
    w = _worker(server.url, events)
    try:
        assert w.info.imei == chip.imei
        mark = events.mark()
        stopped = time.monotonic()
        server.stop()  # the link to the second PC drops
        state_events(events, ModemState.OFFLINE, mark)
        lost_after = time.monotonic() - stopped
        with pytest.raises(Exception):
            w.submit(GetSignal()).result(timeout=10)
        mark = events.mark()
        server.start()  # the same port again
        restarted = time.monotonic()
        state_events(events, ModemState.ONLINE, mark)
        back_after = time.monotonic() - restarted
        assert w.submit(GetInfo()).result(timeout=10).imei == chip.imei
        assert w.submit(GetSignal()).result(timeout=10).rssi == 20
        print(f"\nser2net stop seen after {lost_after:.2f} s; back online {back_after:.2f} s after its restart")
    finally:
        assert w.stop(3.0)
        server.stop()


@POSIX_ONLY
def test_a_silent_link_is_found_dead_by_the_liveness_check_and_comes_back(pty_net: SimNetwork, tmp_path: Path) -> None:
    """The cable to the second PC is pulled: no FIN, no RST, nothing. Freezing ser2net (SIGSTOP) is
    that: the TCP connection stays open and silent. Only the driver's idle check (`AT` after
    `liveness_idle` without a byte) can tell, then the resync fails and the modem is offline."""
    need("ser2net")
    chip = vm(pty_net, "chip")
    server = Ser2net(Path(chip.pty), tmp_path).start()
    events = Events()
    w = _worker(server.url, events, liveness_idle=1.0)
    try:
        assert server.proc is not None
        mark = events.mark()
        frozen = time.monotonic()
        server.proc.send_signal(signal.SIGSTOP)
        state_events(events, ModemState.OFFLINE, mark)
        dead_after = time.monotonic() - frozen
        mark = events.mark()
        server.proc.send_signal(signal.SIGCONT)
        resumed = time.monotonic()
        state_events(events, ModemState.ONLINE, mark)
        back_after = time.monotonic() - resumed
        assert w.submit(GetSignal()).result(timeout=10).rssi == 20
        print(f"\nsilent link (liveness_idle 1 s) found dead after {dead_after:.2f} s; "
              f"back online {back_after:.2f} s after it answered again")
    finally:
        if server.proc is not None:
            server.proc.send_signal(signal.SIGCONT)
        assert w.stop(3.0)
        server.stop()


@POSIX_ONLY
def test_ser2net_serves_one_client_and_only_the_server_pc(pty_net: SimNetwork, tmp_path: Path) -> None:
    """The deploy.md configuration: a second Pulsa pointed at the same modem is refused (it must not
    dial on a chip that another server drives), and so is a PC that is not in `remaddr`; both say so."""
    need("ser2net")
    center, chip = vm(pty_net, "center"), vm(pty_net, "chip")
    server = Ser2net(Path(center.pty), tmp_path, name="center").start()
    stranger = Ser2net(Path(chip.pty), tmp_path, name="chip", server="127.0.0.2,0").start()
    first = Modem(server.url, fast_config(), modem_id="first")
    try:
        first.open()
        with pytest.raises(PortOpenError) as err:
            Modem(server.url, fast_config(), modem_id="second").open()
        assert "klien lain" in str(err.value), err.value
        assert first.get_signal().rssi == 20  # the first client keeps its modem
        with pytest.raises(PortOpenError) as err:
            Modem(stranger.url, fast_config(), modem_id="third").open()
        assert "remaddr" in str(err.value), err.value
    finally:
        first.close()
        server.stop()
        stranger.stop()


@POSIX_ONLY
def test_modem_pulled_out_on_the_modem_pc_comes_back_through_ser2net(pty_net: SimNetwork, tmp_path: Path) -> None:
    """The dongle behind ser2net is pulled out: its device vanishes, ser2net drops the client; plugged in
    again at the same by-id path, ser2net opens it again on Pulsa's next try."""
    need("ser2net")
    ctl = Ctl(pty_net.control_url, pty_net.control_token)
    chip = vm(pty_net, "chip")
    device = chip.pty
    server = Ser2net(Path(device), tmp_path).start()
    events = Events()
    w = _worker(server.url, events)
    try:
        mark = events.mark()
        pulled = time.monotonic()
        ctl.post("/api/modems/chip/unplug")
        state_events(events, ModemState.OFFLINE, mark)
        lost_after = time.monotonic() - pulled
        mark = events.mark()
        plugged = time.monotonic()
        assert ctl.post("/api/modems/chip/replug")["pty"] == device
        state_events(events, ModemState.ONLINE, mark)
        back_after = time.monotonic() - plugged
        assert w.submit(GetInfo()).result(timeout=10).imei == chip.imei
        assert server.running  # ser2net itself never stopped
        print(f"\nmodem pulled out behind ser2net: seen after {lost_after:.2f} s; back {back_after:.2f} s after replug")
    finally:
        assert w.stop(3.0)
        server.stop()
