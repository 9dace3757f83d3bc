"""``python -m modems.sim --scenario FILE [--control-port N] [--token T] [--state FILE] [--pty DIR]``: run a virtual
network until Ctrl-C or SIGTERM. With ``--state`` it comes back after a restart (even after a kill)
with what it had: airtime, top-ups, SMS, stock, pending follow-ups, modem ports (docs/simulator.md)."""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from .client import TOKEN_HEADER
from .network import SimNetwork
from .scenario import ScenarioError
from .state import StateError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m modems.sim", description=__doc__)
    parser.add_argument("--scenario", required=True, help="scenario JSON file")
    parser.add_argument("--control-port", type=int, default=0, help="control API port (default: any free)")
    parser.add_argument("--token", default=None,
                        help="the control API token (default: a new random one, printed at start)")
    parser.add_argument("--state", default=None, help="state file: loaded at start, written on every change")
    parser.add_argument("--pty", default=None, metavar="DIR",
                        help="also publish every modem as a pty, DIR/ttyV0, DIR/ttyV1 … (POSIX)")
    parser.add_argument("--verbose", "-v", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        net = SimNetwork.from_scenario(args.scenario, token=args.token, state_path=args.state, pty_dir=args.pty)
    except (ScenarioError, StateError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    done = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: done.set())
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with net.start(control_port=args.control_port):
        restarted = f", restart {net.generation} from {args.state}" if net.generation else ""
        print(f"scenario {net.scenario.name!r}, seed {net.seed}{restarted}")
        for m in net.modems:
            tty = f"  {m.pty}" if m.pty else ""
            print(f"  {m.id:<16} {m.role:<7} {m.operator:<6} {m.msisdn:<14} {m.profile.name:<12} {m.port_url}{tty}")
        for u in net.upstreams.values():
            print(f"  upstream {u.id} at {u.msisdn}")
        print(f"control API: {net.control_url}/api/modems")
        print(f"control token: {net.control_token}")
        print(f"  curl -H '{TOKEN_HEADER}: {net.control_token}' {net.control_url}/api/modems")
        sys.stdout.flush()
        done.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
