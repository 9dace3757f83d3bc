"""The virtual GSM network: a device the driver talks to over real loopback sockets.

    from modems.sim import SimNetwork
    with SimNetwork.from_scenario("resources/scenarios/demo.json") as net:
        print(net.control_url, [m.port_url for m in net.modems])

See docs/simulator.md. Standard library and pyserial only; no Qt here.
"""
from .control import ApiError
from .network import SimNetwork
from .scenario import ScenarioError

__all__ = ["ApiError", "ScenarioError", "SimNetwork"]
