"""The one way Pulsa opens an HTTP client session (aiohttp): H2H buying, H2H callbacks, tests.

aiohttp resolves names with aiodns (c-ares, through pycares) whenever aiodns is installed, and slixmpp
installs it on Linux. pycares destroys its channels on a thread of its own, which crashed the process
(a segmentation fault) when an event loop it had used was already closed. Names are resolved by the OS
here instead (getaddrinfo on a worker thread): the hosts file is honoured, and nothing native runs
behind the loop's back.
"""
from __future__ import annotations

from typing import Any

import aiohttp


def client_session(**kwargs: Any) -> aiohttp.ClientSession:
    """An aiohttp ClientSession resolving through the OS; `connector_options` go to its TCPConnector."""
    connector_options = kwargs.pop("connector_options", {})
    connector = aiohttp.TCPConnector(resolver=aiohttp.ThreadedResolver(), **connector_options)
    return aiohttp.ClientSession(connector=connector, **kwargs)
