from __future__ import annotations

import pytest

from tests.sim.helpers import api


def test_modems_listing(net, ctl):
    status, modems = ctl("GET", "/api/modems")
    assert status == 200
    ids = {m["id"]: m for m in modems}
    assert set(ids) >= {"center", "sender", "tsel", "hw", "isat"}
    m = ids["hw"]
    assert m["role"] == "chip" and m["profile"] == "huawei" and m["operator"] == "TSEL"
    assert m["port_url"].startswith("socket://127.0.0.1:") and m["msisdn"] == "081211110002"
    assert ids["center"]["role"] == "center"
    assert [x.port_url for x in net.modems] == [x["port_url"] for x in modems]


@pytest.mark.parametrize("number", ["081389092678", "6281389092678", "+6281389092678"])
def test_subscriber_lookup_forms(net, ctl, number):
    status, body = ctl("GET", f"/api/subscribers/{number}")
    assert status == 200 and body["msisdn"] == "081389092678" and body["airtime"] == 0
    assert body["operator"] == "TSEL"


def test_subscribers_exist_on_demand_per_prefix(net, ctl):
    for number, op in [("089912345678", "TRI"), ("088112345678", "SMART"), ("083112345678", "AXIS")]:
        assert ctl("GET", f"/api/subscribers/{number}")[1]["operator"] == op


def test_subscriber_update(net, ctl):
    assert ctl("POST", "/api/subscribers/081389092678", {"airtime": 5000, "state": "grace"})[1]["airtime"] == 5000
    assert ctl("POST", "/api/subscribers/081389092678", {"state": "dead"})[0] == 400
    assert ctl("POST", "/api/subscribers/081389092678", {"airtime": -1})[0] == 400


def test_chip_stock_get_and_set(net, ctl):
    assert ctl("GET", "/api/chips/tsel/stock")[1] == {"id": "tsel", "stock": 1000000}
    assert ctl("POST", "/api/chips/tsel/stock", {"stock": 50000})[1]["stock"] == 50000
    assert ctl("GET", "/api/chips/tsel")[1]["stock"] == 50000
    assert ctl("POST", "/api/chips/tsel/stock", {"stock": "lots"})[0] == 400
    assert ctl("GET", "/api/chips/center/stock")[0] == 404
    assert len(ctl("GET", "/api/chips")[1]) == 8


@pytest.mark.parametrize("method,path,body,status", [
    ("GET", "/api/nothing", None, 404),
    ("GET", "/api/modems/nope", None, 404),
    ("DELETE", "/api/modems", None, 405),
    ("POST", "/api/sms", {"from": "081389092678"}, 400),
    ("POST", "/api/sms", {"from": "hello world!!", "to": "081200000001", "text": "x"}, 400),
    ("POST", "/api/sms", {"from": "081389092678", "to": "12", "text": "x"}, 422),
    ("POST", "/api/sms", {"from": "081389092678", "to": "abc", "text": "x"}, 422),
    ("POST", "/api/sms", {"from": "081389092678", "to": "081200000001", "text": 5}, 400),
    ("GET", "/api/subscribers/12ab", None, 400),
    ("POST", "/api/faults", {"modem": "center", "kind": "meteor"}, 400),
    ("POST", "/api/faults", {"modem": "nope", "kind": "hang"}, 404),
    ("POST", "/api/faults", {"modem": "center", "kind": "slow", "delay": "x"}, 400),
    ("POST", "/api/faults", {"modem": "center", "kind": "ussd_shape", "shape": "round"}, 400),
    ("POST", "/api/chips/tsel/outcomes", {"outcomes": ["explode"]}, 400),
    ("POST", "/api/operators/TSEL", {"failure_rate": 2}, 400),
    ("POST", "/api/operators/TSEL", {"colour": "red"}, 400),
    ("POST", "/api/operators/NOPE", {}, 404),
    ("POST", "/api/modems/center", {"csq": 77}, 400),
    ("POST", "/api/modems/center", {"ussd_shape": "weird"}, 400),
    ("POST", "/api/network", {"send_delay": -1}, 400),
    ("GET", "/api/ussd-log?since=x", None, 400),
    ("POST", "/api/upstreams/nope", {}, 404),
])
def test_bad_requests_get_clear_errors(net, ctl, method, path, body, status):
    got, payload = ctl(method, path, body)
    assert got == status, payload
    assert isinstance(payload["error"], str) and payload["error"]


def test_invalid_json_body(net):
    status, body = api(net, "POST", "/api/sms", raw=b"{not json")
    assert status == 400 and "JSON" in body["error"]
    status, body = api(net, "POST", "/api/sms", raw=b"[1,2]")
    assert status == 400
    assert api(net, "GET", "/api/health")[1] == {"ok": True}


def test_operator_and_network_settings(net, ctl):
    ops = {o["id"]: o for o in ctl("GET", "/api/operators")[1]}
    assert ops["TSEL"]["flow"] == "ack_sms" and ops["ISAT"]["flow"] == "immediate"
    assert ops["XL"]["sms_sender"] == "XL-SIM"
    body = ctl("POST", "/api/operators/tsel", {"ussd_delay": 0.5, "failure_rate": 0.1, "pending_rate": 0.2,
                                               "followup_delay": [1, 2], "followup": "twice"})[1]
    assert body["settings"]["followup_delay"] == [1.0, 2.0]
    assert ctl("POST", "/api/network", {"send_delay": 0.1})[1]["send_delay"] == 0.1


def test_modem_settings_and_details(net, ctl, modem):
    ctl("POST", "/api/modems/center", {"csq": 9})
    at = modem("center")
    assert at.ok("AT+CSQ") == ["+CSQ: 9,99"]
    ctl("POST", "/api/modems/center", {"registered": False})
    assert at.ok("AT+CREG?") == ["+CREG: 0,0"]
    d = ctl("GET", "/api/modems/center")[1]
    assert d["store"]["total"] == 30 and d["echo"] is False and d["connected"] is True


def test_sms_log_and_ussd_log(net, ctl):
    ctl("POST", "/api/sms", {"from": "081389092678", "to": "081234567890", "text": "halo"})
    log = ctl("GET", "/api/sms-log")[1]
    assert log[-1]["to"] == "081234567890" and log[-1]["delivered"]
    assert ctl("GET", f"/api/sms-log?since={len(log)}")[1] == []
    assert ctl("GET", "/api/ussd-log")[1] == []
