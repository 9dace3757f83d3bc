"""The shop owner's modem tool, end to end against the virtual GSM network (real sockets)."""
from __future__ import annotations

import copy
import io
import json
import time
import urllib.request
from typing import Any, Callable, Iterator

import pytest

from modems.cli import EXIT_FAILED, EXIT_NO_MODEM, EXIT_OK, EXIT_USAGE, run
from modems.sim import SimNetwork

SCENARIO = {
    "name": "cli-test",
    "seed": 11,
    "sms": {"send_delay": 0, "delivery_delay": 0.01, "report_delay": 0.01},
    "reset_delay": 0.2,
    "operator_defaults": {"ussd_delay": 0.05, "followup_delay": [0.05, 0.1], "failure_rate": 0.0},
    "modems": [
        {"id": "center", "role": "center", "operator": "TSEL", "msisdn": "081200000001", "profile": "generic"},
        {"id": "chip", "role": "chip", "operator": "TSEL", "msisdn": "081211110001", "profile": "generic",
         "pin": "1234", "stock": 1000000},
        {"id": "hw", "role": "chip", "operator": "TSEL", "msisdn": "081211110002", "profile": "huawei_e160",
         "pin": "4321", "stock": 500000},
    ],
    "subscribers": [{"msisdn": "081234567890", "airtime": 0}, {"msisdn": "081389092678", "airtime": 0}],
}


@pytest.fixture(scope="module")
def net() -> Iterator[SimNetwork]:
    network = SimNetwork.from_scenario(copy.deepcopy(SCENARIO))
    network.start()
    try:
        yield network
    finally:
        network.stop()


def api(net: SimNetwork, method: str, path: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(net.control_url + path, data=data, method=method,
                                 headers={"Content-Type": "application/json", "X-Pulsa-Token": net.control_token})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read().decode())


def wait_for(cond: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll a condition until it holds (bounded); the network answers on its own schedule."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def port_of(net: SimNetwork, modem_id: str) -> str:
    return next(m.port_url for m in net.modems if m.id == modem_id)


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_info_shows_identity_operator_and_signal(net):
    m = next(x for x in net.modems if x.id == "chip")
    code, out, err = cli("--port", m.port_url, "info")
    assert code == EXIT_OK, err
    assert "IMEI" in out and m.imei in out
    assert m.iccid in out
    assert "TELKOMSEL" in out
    assert "Sinyal" in out and "/31" in out and "dBm" in out
    assert "Penyimpanan SMS" in out


def test_leading_modem_word_and_port_after_command(net):
    code, out, _ = cli("modem", "signal", "--port", port_of(net, "center"))
    assert code == EXIT_OK
    assert "Sinyal: 20/31 (-73 dBm, 5 bar" in out  # the simulator's default CSQ is 20


def test_signal_follows_the_network(net):
    api(net, "POST", "/api/modems/center", {"csq": 7})
    try:
        code, out, _ = cli("--port", port_of(net, "center"), "signal")
    finally:
        api(net, "POST", "/api/modems/center", {"csq": 20})
    assert code == EXIT_OK
    assert "7/31 (-99 dBm, 2 bar, lemah)" in out


def test_sms_reaches_the_subscriber(net):
    before = len(api(net, "GET", "/api/subscribers/081234567890/sms"))
    code, out, err = cli("--port", port_of(net, "center"), "sms", "081234567890", "Tes CLI {ok} €5")
    assert code == EXIT_OK, out + err
    assert "1 bagian" in out and "GSM-7" in out and "SMS terkirim." in out
    got = wait_for(lambda: api(net, "GET", "/api/subscribers/081234567890/sms")[before:])
    assert got[-1]["text"] == "Tes CLI {ok} €5"


def test_long_unicode_sms_is_split_and_rejoined(net):
    text = "Terima kasih 🙏 pesanan Anda diproses. " * 5
    code, out, _ = cli("--port", port_of(net, "center"), "sms", "+6281389092678", text)
    assert code == EXIT_OK
    # 190 characters, 5 of them emoji = 195 UTF-16 units = 3 parts of at most 67.
    assert "Unicode (UCS-2), 3 bagian" in out
    assert out.count("terkirim ke SMSC") == 3
    got = wait_for(lambda: [s for s in api(net, "GET", "/api/subscribers/081389092678/sms") if s["text"] == text])
    assert got


def test_ussd_stock_query_masks_secret(net):
    code, out, err = cli("--port", port_of(net, "chip"), "ussd", "*776*1234#", "--secret", "1234")
    assert code == EXIT_OK, out + err
    assert "Status : Selesai" in out
    assert "1.000.000" in out  # the chip's stock in the operator's answer
    assert "1234" not in out


def test_ussd_menu_with_reply(net):
    api(net, "POST", "/api/operators/TSEL", {"confirm_menu": True})
    try:
        code, out, err = cli("--port", port_of(net, "chip"), "ussd", "*777*081389092678*10*1234#", "--reply", "1")
    finally:
        api(net, "POST", "/api/operators/TSEL", {"confirm_menu": False})
    assert code == EXIT_OK, out + err
    assert "Menu, menunggu balasan" in out
    assert "Balasan: 1" in out
    assert out.rstrip().splitlines()[-1].strip() != ""
    assert "*777*081389092678*10*****#" in out  # the chip PIN never shows
    assert "1234#" not in out
    steps = out.split("Balasan: 1")
    assert "Status : Selesai" in steps[1]


def test_ussd_menu_without_reply_is_closed(net):
    api(net, "POST", "/api/operators/TSEL", {"confirm_menu": True})
    try:
        code, out, _ = cli("--port", port_of(net, "chip"), "ussd", "*777*081389092678*5*1234#")
    finally:
        api(net, "POST", "/api/operators/TSEL", {"confirm_menu": False})
    assert code == EXIT_OK
    assert "Sesi USSD ditutup" in out
    details = api(net, "GET", "/api/modems/chip")
    assert details["ussd_session_open"] is False


def test_ussd_on_packed_huawei_modem(net):
    code, out, err = cli("--port", port_of(net, "hw"), "ussd", "*776*4321#", "--secret", "4321")
    assert code == EXIT_OK, out + err
    assert "Status : Selesai" in out and "500.000" in out


def test_ussd_unsupported_code_fails(net):
    code, out, _ = cli("--port", port_of(net, "chip"), "ussd", "*999#")
    assert code == EXIT_FAILED
    assert "Gagal" in out


def test_inbox_lists_without_deleting_then_deletes(net):
    port = port_of(net, "center")
    long_text = "Pesan panjang 😀 " * 12
    api(net, "POST", "/api/modems/center/sms", {"from": "081234567890", "text": "S5.081389092678.1234"})
    api(net, "POST", "/api/modems/center/sms", {"from": "TELKOMSEL", "text": long_text})
    wait_for(lambda: api(net, "GET", "/api/modems/center")["store"]["used"] >= 1 + 4)

    code, out, err = cli("--port", port, "inbox")
    assert code == EXIT_OK, out + err
    assert "2 pesan:" in out
    assert "Dari  : +6281234567890" in out
    assert "Isi   : S5.081389092678.1234" in out
    assert "Dari  : TELKOMSEL" in out
    assert "Bagian: 4/4" in out
    assert long_text.strip() in out
    assert "WIB" in out
    assert api(net, "GET", "/api/modems/center")["store"]["used"] == 5  # nothing deleted

    code, out, _ = cli("--port", port, "inbox", "--hapus")
    assert code == EXIT_OK
    assert "2 pesan dihapus dari SIM." in out
    assert api(net, "GET", "/api/modems/center")["store"]["used"] == 0

    code, out, _ = cli("--port", port, "inbox")
    assert code == EXIT_OK and "Kotak masuk kosong." in out


def test_invalid_number_is_a_usage_error_not_a_crash(net):
    code, out, err = cli("--port", port_of(net, "center"), "sms", "+62abc", "halo")
    assert code == EXIT_USAGE
    assert "Masukan tidak valid" in err


def test_unreachable_port():
    code, out, err = cli("--port", "socket://127.0.0.1:9", "info")
    assert code == EXIT_NO_MODEM
    assert "Modem tidak bisa dibuka" in err


@pytest.mark.parametrize(
    "argv",
    [[], ["info"], ["--port", "COM3"], ["--port", "COM3", "sms", "0812"], ["--port", "COM3", "terbang"]],
)
def test_usage_errors(argv):
    code, out, err = cli(*argv)
    assert code == EXIT_USAGE
    assert (out + err).strip()
