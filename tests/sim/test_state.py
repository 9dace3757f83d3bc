"""The state file: a network started again from it (after a stop, or after a SIGKILL of
`python -m modems.sim`) has every credit, SMS, stock, counter, port and promised follow-up of before."""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from modems import pdu
from modems.sim import ControlClient, SimNetwork, StateError
from modems.ussd import decode_ussd, parse_cusd
from tests.sim.helpers import At, wait_for

ROOT = Path(__file__).resolve().parents[2]
ISAT_DEST, TSEL_DEST, UP_DEST = "085712345678", "081389092678", "081234567890"


@contextlib.contextmanager
def running(scenario: dict, state: Path, **kw) -> Iterator[tuple[SimNetwork, ControlClient]]:
    net = SimNetwork.from_scenario(scenario, state_path=state, **kw)
    net.start()
    try:
        yield net, ControlClient.of(net)
    finally:
        net.stop()


@contextlib.contextmanager
def at_of(net: SimNetwork, modem_id: str) -> Iterator[At]:
    m = next(x for x in net.modems if x.id == modem_id)
    at = At(m.port_url)
    try:
        at.ok("ATE0")
        at.ok("AT+CMEE=1")
        yield at
    finally:
        at.close()


def ussd(at: At, code: str) -> str:
    at.ok(f'AT+CUSD=1,"{code}",15')
    c = parse_cusd(at.wait_line(r"^\+CUSD:"))
    return decode_ussd(c.payload, c.dcs)[0] if c.payload else ""


def saved(state: Path) -> dict:
    return json.loads(state.read_text(encoding="utf-8"))


def test_a_restart_keeps_credits_sms_stock_accounts_settings_and_ports(scenario, tmp_path):
    state = tmp_path / "sim.json"
    with running(scenario, state) as (net, api):
        with at_of(net, "isat") as at:
            first_ok = ussd(at, f"*901*{ISAT_DEST}*10000*1111#")
        assert api.get(f"/api/subscribers/{ISAT_DEST}")["airtime"] == 10_000
        api.post("/api/sms", {"from": TSEL_DEST, "to": "081200000001", "text": "S10.081234567890.1234"})
        wait_for(lambda: api.get("/api/modems/center")["store"]["used"] == 1)
        with at_of(net, "sender") as at:
            part = pdu.encode_submit(TSEL_DEST, "TrxID 7: S10 SUKSES")[0]
            assert at.send_pdu(part.hex, part.tpdu_length)[1] == "OK"
        wait_for(lambda: api.get(f"/api/subscribers/{TSEL_DEST}/sms"))
        api.post("/api/sms", {"from": "081377770000", "to": "081299990000", "text": f"S10.{UP_DEST}.5566"})
        wait_for(lambda: api.get(f"/api/subscribers/{UP_DEST}")["airtime"] == 10_000)
        api.post("/api/chips/tsel/outcomes", {"outcomes": ["no_sn", "busy"]})
        api.post("/api/operators/XL", {"ussd_delay": 0.07})
        api.post("/api/modems/center", {"csq": 11})
        before = {
            "ports": {m.id: m.port for m in net.modems},
            "isat": api.get(f"/api/subscribers/{ISAT_DEST}"), "up_dest": api.get(f"/api/subscribers/{UP_DEST}"),
            "inbox": api.get(f"/api/subscribers/{TSEL_DEST}/sms"), "chips": api.get("/api/chips"),
            "history": api.get("/api/chips/isat/history"), "upstreams": api.get("/api/upstreams"),
            "sent": api.get("/api/modems/sender/sent"),
        }
        with at_of(net, "center") as at:
            stored = at.ok("AT+CMGL=4")

    again = SimNetwork.from_scenario(scenario, state_path=state)
    assert {m.id: m.port for m in again.modems} == before["ports"]  # the server's config stays valid
    with running(scenario, state) as (net, api):
        assert {m.id: m.port for m in net.modems} == before["ports"]
        assert api.get("/api/network")["state"]["generation"] == 1
        assert api.get(f"/api/subscribers/{ISAT_DEST}") == before["isat"]
        assert api.get(f"/api/subscribers/{UP_DEST}") == before["up_dest"]
        assert api.get(f"/api/subscribers/{TSEL_DEST}/sms") == before["inbox"]
        assert api.get("/api/chips") == before["chips"]
        assert api.get("/api/chips/isat/history") == before["history"]
        assert api.get("/api/upstreams") == before["upstreams"]
        assert api.get("/api/modems/sender/sent") == before["sent"]
        assert api.get("/api/operators")[2]["settings"]["ussd_delay"] == 0.07
        assert api.get("/api/modems/center")["settings"]["csq"] == 11
        with at_of(net, "center") as at:
            assert at.ok("AT+CMGL=4") == [stored[0].replace(",0,,", ",1,,"), stored[1]]  # read since
        with at_of(net, "isat") as at:
            second_ok = ussd(at, f"*901*{ISAT_DEST}*5000*1111#")
            assert ISAT_DEST in ussd(at, "*901*2*1111#")  # last transactions still known
        assert api.get(f"/api/subscribers/{ISAT_DEST}")["airtime"] == 15_000
        assert api.get("/api/chips/isat")["stock"] == 1_000_000 - 15_000
    assert "SUKSES" in first_ok.upper() and "SUKSES" in second_ok.upper()


def test_serial_numbers_do_not_repeat_after_a_restart(scenario, tmp_path):
    state = tmp_path / "sim.json"
    for amount in (5000, 10000, 15000):  # the same amount again within 5 minutes would be TOO_SOON
        with running(scenario, state) as (net, api), at_of(net, "isat") as at:
            ussd(at, f"*901*{ISAT_DEST}*{amount}*1111#")
            topups = api.get(f"/api/subscribers/{ISAT_DEST}")["topups"]
    assert [t["amount"] for t in topups] == [5000, 10000, 15000]
    assert len({t["sn"] for t in topups}) == 3


def test_an_operator_follow_up_promised_before_a_stop_comes_after_the_restart(scenario, tmp_path):
    scenario["operators"] = {"TSEL": {"followup_delay": [0.5, 0.5], "ussd_delay": 0.05}}
    state = tmp_path / "sim.json"
    with running(scenario, state) as (net, api), at_of(net, "tsel") as at:
        assert "diterima" in ussd(at, f"*777*{TSEL_DEST}*10*1234#")
        assert api.get(f"/api/subscribers/{TSEL_DEST}")["airtime"] == 0
    assert [d[1] for d in saved(state)["deferred"]] == ["chip_result"]
    assert saved(state)["modems"]["tsel"]["chip"]["history"][0][3] == "PROSES"
    with running(scenario, state) as (net, api):
        wait_for(lambda: api.get("/api/modems/tsel")["store"]["used"] == 1)  # the result SMS to the chip
        topups = api.get(f"/api/subscribers/{TSEL_DEST}")["topups"]
        assert [t["amount"] for t in topups] == [10_000]
        assert api.get("/api/chips/tsel/history")[0]["status"] == "OK"
        with at_of(net, "tsel") as at:
            result = pdu.decode_pdu(at.ok("AT+CMGL=4")[1])
        assert result.sender == "TSEL-SIM" and topups[0]["sn"] in result.text
    assert saved(state)["deferred"] == []


def test_an_upstream_order_pending_at_the_stop_is_settled_after_it(scenario, tmp_path):
    state = tmp_path / "sim.json"
    with running(scenario, state) as (net, api):
        api.post("/api/upstreams/upline", {"outcomes": ["pending"], "pending_delay": 0.3})
        api.post("/api/sms", {"from": "081377770000", "to": "081299990000", "text": "T5.089912345678.5566"})
        wait_for(lambda: api.get("/api/subscribers/081377770000/sms"))
        account = next(a for a in api.get("/api/upstreams")[0]["accounts"] if a["msisdn"] == "081377770000")
        assert account["held"] == 5_150
    with running(scenario, state) as (net, api):
        inbox = wait_for(lambda: (lambda x: x if len(x) == 2 else None)(
            api.get("/api/subscribers/081377770000/sms")))
        assert "masih diproses" in inbox[0]["text"] and "SUKSES" in inbox[1]["text"]
        assert api.get("/api/subscribers/089912345678")["airtime"] == 5_000
        account = next(a for a in api.get("/api/upstreams")[0]["accounts"] if a["msisdn"] == "081377770000")
        assert (account["held"], account["balance"]) == (0, 100_000 - 5_150)
        assert api.get("/api/upstreams/upline/orders")[-1]["status"] == "SUKSES"


def test_undelivered_backlog_is_kept_and_delivered_after_the_restart(scenario, tmp_path):
    state = tmp_path / "sim.json"
    with running(scenario, state) as (net, api):
        api.post("/api/faults", {"modem": "center", "kind": "sim_full"})
        api.post("/api/sms", {"from": TSEL_DEST, "to": "081200000001", "text": "tertahan"})
        wait_for(lambda: api.get("/api/modems/center")["store"]["backlog"] == 1)
    with running(scenario, state) as (net, api):
        assert api.get("/api/faults") == []  # faults are not kept: a restart is a power cycle
        wait_for(lambda: api.get("/api/modems/center")["store"] == {"used": 1, "total": 30, "backlog": 0})
        with at_of(net, "center") as at:
            assert pdu.decode_pdu(at.ok("AT+CMGL=4")[1]).text == "tertahan"


def test_half_a_long_sms_sent_before_the_stop_is_joined_with_the_rest(scenario, tmp_path):
    state = tmp_path / "sim.json"
    text = "Balasan yang panjang sekali. " * 12
    parts = pdu.encode_submit(TSEL_DEST, text, ref=42)
    with running(scenario, state) as (net, api), at_of(net, "sender") as at:
        assert at.send_pdu(parts[0].hex, parts[0].tpdu_length)[1] == "OK"
    with running(scenario, state) as (net, api):
        with at_of(net, "sender") as at:
            for p in parts[1:]:
                assert at.send_pdu(p.hex, p.tpdu_length)[1] == "OK"
        inbox = wait_for(lambda: api.get(f"/api/subscribers/{TSEL_DEST}/sms"))
        assert [m["text"] for m in inbox] == [text]


def test_a_change_is_on_disk_before_its_answer(scenario, tmp_path):
    scenario["sms"]["delivery_delay"] = 30.0  # nothing arrives while the test looks at the file
    state = tmp_path / "sim.json"
    with running(scenario, state) as (net, api):
        api.post("/api/chips/tsel/stock", {"stock": 4321})
        assert saved(state)["modems"]["tsel"]["chip"]["stock"] == 4321
        api.post("/api/sms", {"from": TSEL_DEST, "to": "081200000001", "text": "di jalan"})
        assert [d[1] for d in saved(state)["deferred"]] == ["to_modem"]
        with at_of(net, "sender") as at:
            part = pdu.encode_submit(ISAT_DEST, "balasan")[0]
            at.send_pdu(part.hex, part.tpdu_length)
            # the modem said OK: the network's promise to deliver it is already in the file
            assert ["balasan"] == [d[3]["text"] for d in saved(state)["deferred"] if d[1] == "to_subscriber"]
    assert not state.with_name(state.name + ".tmp").exists()


def test_a_state_file_of_another_scenario_or_garbage_is_refused(scenario, tmp_path):
    state = tmp_path / "sim.json"
    with running(scenario, state):
        pass
    other = dict(scenario, name="other")
    with pytest.raises(StateError, match="belongs to scenario 'test'"):
        SimNetwork.from_scenario(other, state_path=state)
    state.write_text("{not json")
    with pytest.raises(StateError, match="not valid JSON"):
        SimNetwork.from_scenario(scenario, state_path=state)
    state.write_text(json.dumps({"version": 99}))
    with pytest.raises(StateError, match="version"):
        SimNetwork.from_scenario(scenario, state_path=state)
    scenario_file = tmp_path / "scenario.json"
    scenario_file.write_text(json.dumps(scenario))
    proc = subprocess.run([sys.executable, "-m", "modems.sim", "--scenario", str(scenario_file), "--state",
                           str(state)], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2 and "version" in proc.stderr


class SimProcess:
    """`python -m modems.sim` as the soak runs it, read until it has printed its control token."""

    def __init__(self, scenario_file: Path, state: Path, token: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "modems.sim", "--scenario", str(scenario_file), "--state", str(state),
             "--token", token], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        while not self.lines or not self.lines[-1].startswith("control token:"):
            line = self.proc.stdout.readline()
            assert line, self.proc.stderr.read()
            self.lines.append(line)
        self.api = ControlClient(self.lines[-2].split()[-1].rsplit("/api", 1)[0], token)

    def ports(self) -> list[str]:
        return [line.split()[-1] for line in self.lines if "socket://" in line]

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self.proc.stdout.close()
        self.proc.stderr.close()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_sigkill_of_the_simulator_forgets_nothing_it_answered(scenario, tmp_path):
    scenario["sms"]["delivery_delay"] = 1.0  # the order SMS is still on its way at the kill
    scenario_file, state = tmp_path / "scenario.json", tmp_path / "sim.json"
    scenario_file.write_text(json.dumps(scenario))
    first = SimProcess(scenario_file, state, "tok")
    try:
        first.api.post("/api/sms", {"from": TSEL_DEST, "to": "081200000001", "text": "S10.081234567890.1234"})
        first.api.post("/api/chips/isat/stock", {"stock": 777})
        first.api.post("/api/subscribers/083112345678", {"airtime": 2500})
    finally:
        first.kill()
    second = SimProcess(scenario_file, state, "tok")
    try:
        assert second.ports() == first.ports()
        assert second.api.url == first.api.url  # the control port too, when none is given
        assert "restart 1" in second.lines[0]
        assert second.api.get("/api/chips/isat/stock")["stock"] == 777
        assert second.api.get("/api/subscribers/083112345678")["airtime"] == 2500
        wait_for(lambda: second.api.get("/api/modems/center")["store"]["used"] == 1, timeout=10)
    finally:
        second.kill()
