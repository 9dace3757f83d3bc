"""The control API answers only a program that has the token, names the server in its Host header and
sends JSON: a web page on the same machine (no token, a foreign Host after DNS rebinding, a form or
text body) gets a refusal and changes nothing."""
from __future__ import annotations

import http.client
import json

import pytest

from modems.sim import ApiError, ControlClient, SimNetwork
from modems.sim.control import ControlServer

STOCK = "/api/chips/tsel/stock"


def raw(net: SimNetwork, method: str, path: str, body: bytes | None = None,
        headers: dict[str, str] | None = None) -> tuple[int, dict, dict]:
    """One request with exactly these headers (http.client adds Host only when it is not given)."""
    port = int(net.control_url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        hdrs = {"Host": f"127.0.0.1:{port}", **(headers or {})}
        if body is not None and "Content-Length" not in hdrs and "Transfer-Encoding" not in hdrs:
            hdrs["Content-Length"] = str(len(body))
        for name, value in hdrs.items():
            if value is not None:
                conn.putheader(name, value)
        conn.endheaders(body)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"null"), dict(resp.getheaders())
    finally:
        conn.close()


def good(net: SimNetwork, **extra: str) -> dict[str, str]:
    return {"X-Pulsa-Token": net.control_token, "Content-Type": "application/json", **extra}


def stock(net: SimNetwork) -> int:
    return ControlClient.of(net).get(STOCK)["stock"]


def set_stock(value: int) -> bytes:
    return json.dumps({"stock": value}).encode()


def test_with_token_host_and_json_the_request_is_served(net):
    status, body, _ = raw(net, "POST", STOCK, set_stock(5000), good(net))
    assert (status, body) == (200, {"id": "tsel", "stock": 5000})
    # a charset parameter is fine, and "localhost" with the right port is the same server
    status, _, _ = raw(net, "POST", STOCK, set_stock(6000),
                       good(net, **{"Content-Type": "application/json; charset=utf-8",
                                    "Host": f"localhost:{net.control_url.rsplit(':', 1)[1]}"}))
    assert status == 200 and stock(net) == 6000


def test_bearer_token_works_too(net):
    headers = {"Authorization": f"Bearer {net.control_token}", "Content-Type": "application/json"}
    assert raw(net, "POST", STOCK, set_stock(7000), headers)[0] == 200
    assert stock(net) == 7000


@pytest.mark.parametrize("headers", [
    {},  # no token at all
    {"X-Pulsa-Token": "wrong"},
    {"X-Pulsa-Token": ""},
    {"Authorization": "Bearer wrong"},
    {"Authorization": "Basic dXNlcjpwYXNz"},
])
def test_without_the_right_token_401_and_nothing_changes(net, headers):
    status, body, reply_headers = raw(net, "POST", STOCK, set_stock(1), {"Content-Type": "application/json", **headers})
    assert status == 401 and "token" in body["error"]
    assert reply_headers.get("WWW-Authenticate", "").startswith("Bearer")
    assert stock(net) == 1_000_000


def test_an_sms_without_token_is_not_sent(net):
    sms = json.dumps({"from": "081389092678", "to": "081200000001", "text": "S10.081389092678.1234"}).encode()
    assert raw(net, "POST", "/api/sms", sms, {"Content-Type": "application/json"})[0] == 401
    assert ControlClient.of(net).get("/api/sms-log") == []


def test_reading_needs_the_token_too(net):
    assert raw(net, "GET", "/api/health")[0] == 401
    assert raw(net, "GET", "/api/modems", headers={"X-Pulsa-Token": net.control_token})[0] == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1", "127.0.0.1:1",
                                  "localhost:{other}", "0.0.0.0:{port}", "", "127.0.0.1:{port}.evil.example"])
def test_a_foreign_host_header_403_and_nothing_changes(net, host):
    port = int(net.control_url.rsplit(":", 1)[1])
    status, body, _ = raw(net, "POST", STOCK, set_stock(1), good(net, Host=host.format(port=port, other=port + 1)))
    assert status == 403 and "Host" in body["error"]
    assert stock(net) == 1_000_000


def test_a_missing_host_header_is_refused(net):
    status, _, _ = raw(net, "POST", STOCK, set_stock(1), {**good(net), "Host": None})
    assert status == 403 and stock(net) == 1_000_000


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/jsonp"])
def test_a_body_that_is_not_declared_json_415_and_nothing_changes(net, content_type):
    status, body, _ = raw(net, "POST", STOCK, set_stock(1), good(net, **{"Content-Type": content_type}))
    assert status == 415 and "application/json" in body["error"]
    assert stock(net) == 1_000_000


def test_a_chunked_body_is_refused(net):
    chunked = b"10\r\n" + set_stock(1)[:16] + b"\r\n0\r\n\r\n"
    status, _, _ = raw(net, "POST", STOCK, chunked, good(net, **{"Transfer-Encoding": "chunked"}))
    assert status == 411 and stock(net) == 1_000_000


def test_a_browser_preflight_gets_no_permission(net):
    status, _, headers = raw(net, "OPTIONS", STOCK, headers={"Origin": "http://evil.example",
                                                             "Access-Control-Request-Method": "POST"})
    assert status >= 400 and not any(h.lower().startswith("access-control-") for h in headers)


def test_the_token_is_random_per_network_or_the_one_given(scenario):
    a, b = SimNetwork.from_scenario(scenario), SimNetwork.from_scenario(scenario)
    assert a.control_token != b.control_token and len(a.control_token) >= 24
    given = SimNetwork.from_scenario(scenario, token="s3cret-token")
    with given.start():
        assert given.control_token == "s3cret-token"
        assert ControlClient(given.control_url, "s3cret-token").get("/api/health") == {"ok": True}
        with pytest.raises(ApiError) as refused:
            ControlClient(given.control_url, a.control_token).get("/api/health")
        assert refused.value.status == 401


def test_a_control_server_without_token_cannot_be_made(net):
    with pytest.raises(ValueError):
        ControlServer(net, 0, "")
