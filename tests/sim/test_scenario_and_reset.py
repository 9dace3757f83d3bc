from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from modems.sim import ControlClient, ScenarioError, SimNetwork
from tests.sim.helpers import At, api, reopen, wait_for

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "resources" / "scenarios" / "demo.json"


def test_demo_scenario_loads_and_runs():
    with SimNetwork.from_scenario(DEMO) as net:
        roles = [m.role for m in net.modems]
        assert roles.count("center") == 1 and roles.count("sender") == 1
        chips = [m for m in net.modems if m.role == "chip"]
        assert sorted(m.operator for m in chips) == ["ISAT", "TRI", "TSEL", "TSEL", "XL"]
        assert len({m.profile.name for m in net.modems}) >= 3
        at = At(net.modems[0].port_url)
        at.ok("AT")
        at.close()
        assert api(net, "GET", "/api/upstreams")[1][0]["msisdn"] == "081299990000"


@pytest.mark.parametrize("bad,message", [
    ({"modems": [{"id": "a", "operator": "MARS"}]}, "unknown operator"),
    ({"modems": [{"id": "a", "profile": "nokia3310"}]}, "unknown profile"),
    ({"modems": [{"id": "a"}, {"id": "a"}]}, "duplicate modem id"),
    ({"modems": [{"id": "a", "role": "boss"}]}, "role"),
    ({"modems": [{"operator": "TSEL"}]}, "needs an id"),
    ({"modems": [{"id": "a", "msisdn": "0211234567"}]}, "not a mobile number"),
    ({"sms": {"send_delay": -1}}, "send_delay"),
    ({"operators": {"TSEL": {"failure_rate": 3}}}, "failure_rate"),
    ({"subscribers": [{"msisdn": "081234567890", "state": "zombie"}]}, "state"),
])
def test_scenario_errors_are_clear(bad, message):
    with pytest.raises(ScenarioError, match=message):
        SimNetwork.from_scenario(bad)


def test_scenario_file_errors(tmp_path):
    with pytest.raises(ScenarioError, match="cannot read"):
        SimNetwork.from_scenario(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(ScenarioError, match="not valid JSON"):
        SimNetwork.from_scenario(broken)


def test_count_expands_many_modems():
    scenario = {"seed": 1, "modems": [{"id": "chip", "count": 60, "operator": "TSEL", "msisdn": "081300000000",
                                       "pin": "1234", "stock": 100000}]}
    with SimNetwork.from_scenario(scenario) as net:
        assert len(net.modems) == 60
        assert net.modems[59].id == "chip-60" and net.modems[59].msisdn == "081300000059"
        assert len({m.port for m in net.modems}) == 60
        assert len({m.imei for m in net.modems}) == 60


def test_same_seed_same_identities():
    sc = {"seed": 5, "modems": [{"id": "x", "operator": "XL"}]}
    a, b = SimNetwork.from_scenario(sc), SimNetwork.from_scenario(sc)
    assert (a.modems[0].imei, a.modems[0].iccid, a.modems[0].msisdn) == \
           (b.modems[0].imei, b.modems[0].iccid, b.modems[0].msisdn)


def test_cli_runs_until_interrupted(tmp_path):
    scenario = tmp_path / "s.json"
    scenario.write_text(json.dumps({"modems": [{"id": "c", "role": "center", "operator": "TSEL"}]}))
    with subprocess.Popen([sys.executable, "-m", "modems.sim", "--scenario", str(scenario)], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        _run_until_interrupted(proc)


def _run_until_interrupted(proc: subprocess.Popen) -> None:
    try:
        lines = []
        while not any("control token:" in text for text in lines):
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            lines.append(line)
        url = lines[-2].split()[-1].rsplit("/api", 1)[0]
        token = lines[-1].split()[-1]
        assert ControlClient(url, token)("GET", "/api/modems")[0]["id"] == "c"
        assert "socket://127.0.0.1:" in "".join(lines)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_cli_bad_scenario_exit_code(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "modems.sim", "--scenario", str(tmp_path / "x.json")],
                          cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2 and "cannot read" in proc.stderr


def _reconnect(url: str, timeout: float = 5.0) -> At:
    return reopen(url, lambda at: at.cmd("AT", timeout=1), timeout)


def test_cfun_reset_drops_connection_and_comes_back(net, modem, ctl):
    at = modem("center")
    at.write("AT+CFUN=1,1\r")
    at.wait_line("^OK$")
    wait_for(lambda: not ctl("GET", "/api/modems/center")[1]["online"] or True)
    url = next(m for m in net.modems if m.id == "center").port_url
    fresh = _reconnect(url)
    fresh.raw.clear()
    fresh._pos = 0
    fresh.ok("AT")
    assert fresh.raw.startswith(b"AT\r")  # echo is back on after the reset
    fresh.close()


def test_simcom_boot_banner_after_reset(net, modem, ctl):
    at = modem("sender")
    at.write("AT+CFUN=1,1\r")
    at.wait_line("^OK$")
    url = next(m for m in net.modems if m.id == "sender").port_url
    fresh = reopen(url, lambda at: at.wait(lambda: at.lines or at.raw, timeout=0.5))
    fresh.wait_line("^SMS Ready$")
    fresh.close()


def test_reset_on_new_port_keeps_identity(net, ctl):
    before = {m["id"]: m for m in ctl("GET", "/api/modems")[1]}["tsel"]
    ctl("POST", "/api/modems/tsel/reset", {"new_port": True})
    after = wait_for(lambda: (lambda m: m if m["online"] and m["port_url"] != before["port_url"] else None)(
        ctl("GET", "/api/modems/tsel")[1]))
    assert (after["imei"], after["iccid"]) == (before["imei"], before["iccid"])
    at = _reconnect(after["port_url"])
    at.close()


def test_sim_storage_survives_reset(net, modem, ctl):
    ctl("POST", "/api/modems/center/sms", {"from": "081389092678", "text": "simpan"})
    wait_for(lambda: ctl("GET", "/api/modems/center")[1]["store"]["used"] == 1)
    ctl("POST", "/api/modems/center/reset", {})
    url = next(m for m in net.modems if m.id == "center").port_url
    at = _reconnect(url)
    at.ok("ATE0")
    assert len(at.ok("AT+CMGL=4")) == 2
    at.close()
