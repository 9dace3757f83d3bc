from __future__ import annotations

import copy
from typing import Iterator

import pytest

from modems.sim import SimNetwork
from tests.sim.helpers import At, api

FAST = {
    "name": "test",
    "seed": 7,
    "sms": {"send_delay": 0, "delivery_delay": 0.01, "report_delay": 0.01},
    "reset_delay": 0.2,
    "operator_defaults": {"ussd_delay": 0.05, "followup_delay": [0.05, 0.1], "failure_rate": 0.0},
    "modems": [
        {"id": "center", "role": "center", "operator": "TSEL", "msisdn": "081200000001", "profile": "generic"},
        {"id": "sender", "role": "sender", "operator": "TSEL", "msisdn": "081200000002", "profile": "simcom"},
        {"id": "tsel", "role": "chip", "operator": "TSEL", "msisdn": "081211110001", "profile": "generic",
         "pin": "1234", "stock": 1000000},
        {"id": "hw", "role": "chip", "operator": "TSEL", "msisdn": "081211110002", "profile": "huawei",
         "pin": "1234", "stock": 1000000},
        {"id": "e160", "role": "chip", "operator": "TSEL", "msisdn": "081211110003", "profile": "huawei_e160",
         "pin": "1234", "stock": 1000000},
        {"id": "isat", "role": "chip", "operator": "ISAT", "msisdn": "085711110001", "pin": "1111", "stock": 1000000},
        {"id": "xl", "role": "chip", "operator": "XL", "msisdn": "081711110001", "profile": "simcom",
         "pin": "2222", "stock": 1000000, "settings": {}},
        {"id": "axis", "role": "chip", "operator": "AXIS", "msisdn": "083111110001", "pin": "4444", "stock": 1000000},
        {"id": "tri", "role": "chip", "operator": "TRI", "msisdn": "089611110001", "pin": "3333", "stock": 500000},
        {"id": "sf", "role": "chip", "operator": "SMART", "msisdn": "088111110001", "pin": "5555", "stock": 500000},
        {"id": "allop", "role": "spare", "operator": "TSEL", "msisdn": "081200000003"},
    ],
    "upstreams": [
        {"id": "upline", "msisdn": "081299990000", "delay": 0.02, "markup": 150,
         "accounts": [{"msisdn": "081200000003", "pin": "5566", "balance": 100000, "code": "PLS001"},
                      {"msisdn": "081377770000", "pin": "5566", "balance": 100000, "code": "PLS002"}]},
    ],
}


@pytest.fixture
def scenario() -> dict:
    return copy.deepcopy(FAST)


@pytest.fixture
def net(scenario: dict) -> Iterator[SimNetwork]:
    network = SimNetwork.from_scenario(scenario)
    network.start()
    try:
        yield network
    finally:
        network.stop()


@pytest.fixture
def ctl(net: SimNetwork):
    def call(method: str, path: str, body=None):
        return api(net, method, path, body)
    return call


@pytest.fixture
def modem(net: SimNetwork):
    """Open a raw AT connection to a modem by id, with echo off and numeric errors."""
    opened: list[At] = []

    def open_(modem_id: str, init: bool = True, noise: bool = False) -> At:
        m = next(x for x in net.modems if x.id == modem_id)
        at = At(m.port_url, noise=noise)
        opened.append(at)
        if init:
            at.ok("ATE0")
            at.ok("AT+CMEE=1")
            if m.profile.urc_noise:
                at.ok("AT^CURC=0")
        return at

    yield open_
    for at in opened:
        at.close()
