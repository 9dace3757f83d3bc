"""The virtual GSM network: a device the driver talks to over real loopback sockets.

    from modems.sim import ControlClient, SimNetwork
    with SimNetwork.from_scenario("resources/scenarios/demo.json") as net:
        print(net.control_url, [m.port_url for m in net.modems])
        ControlClient.of(net)("GET", "/api/modems")       # the control API wants net.control_token

See docs/simulator.md. Standard library and pyserial only; no Qt here.
"""
from .client import ControlClient
from .control import ApiError
from .network import SimNetwork
from .scenario import ScenarioError
from .state import StateError

__all__ = ["ApiError", "ControlClient", "ScenarioError", "SimNetwork", "StateError"]
