"""The modem tool never shows a chip PIN, even one the owner typed into the USSD code: not on the screen,
not in the AT log (-v), not as the packed hex a Huawei modem is sent. Against the virtual GSM network."""
from __future__ import annotations

import copy
from typing import Iterator

import pytest

from modems import ussd
from modems.cli import EXIT_OK
from modems.sim import SimNetwork
from tests.modems.test_cli import SCENARIO, cli, port_of


@pytest.fixture(scope="module")
def net() -> Iterator[SimNetwork]:
    network = SimNetwork.from_scenario(copy.deepcopy(SCENARIO))
    network.start()
    try:
        yield network
    finally:
        network.stop()


def test_a_pin_typed_into_the_code_is_masked_on_screen_and_in_the_at_log(net):
    code, out, err = cli("--port", port_of(net, "chip"), "-v", "ussd", "*776*1234#")
    assert code == EXIT_OK, out + err
    assert "1.000.000" in out  # the stock check did run with the PIN
    assert "Kode: *776*****#" in out
    assert "AT+CUSD=1" in err  # the AT log is there ...
    assert "1234" not in out and "1234" not in err  # ... without the PIN


def test_the_packed_code_sent_to_a_huawei_modem_is_masked_too(net):
    code, out, err = cli("--port", port_of(net, "hw"), "-v", "ussd", "*776*4321#")
    assert code == EXIT_OK, out + err
    assert "500.000" in out
    packed = ussd.encode_ussd_request("*776*4321#", True)  # GSM-7 hex: the PIN can be read back from it
    assert "AT+CUSD=1" in err and packed not in err
    assert "4321" not in out + err


def test_a_reload_code_shows_destination_and_amount_but_not_the_pin(net):
    code, out, err = cli("--port", port_of(net, "chip"), "ussd", "*777*081389092678*10*1234#")
    assert "Kode: *777*081389092678*10*****#" in out, out + err
    assert "1234" not in out + err


def test_a_pin_given_as_a_menu_answer_is_masked(net):
    code, out, err = cli("--port", port_of(net, "chip"), "ussd", "*776*1234#", "--reply", "5678", "--reply", "2")
    assert code == EXIT_OK, out + err
    assert "Balasan '****' tidak dikirim" in out  # the stock answer closed the session
    assert "5678" not in out + err and "1234" not in out + err


def test_other_secrets_given_with_secret_are_masked(net):
    code, out, err = cli("--port", port_of(net, "chip"), "-v", "ussd", "*888*ab12#", "--secret", "ab12")
    assert "AT+CUSD=1" in err, out + err
    assert "Kode: *888*****#" in out and "ab12" not in out + err
