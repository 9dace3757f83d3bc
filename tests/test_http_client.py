"""HTTP clients resolve names through the OS, never through aiodns/pycares (app/http_client.py)."""
from __future__ import annotations

import asyncio

import aiohttp

from app.http_client import client_session


def test_sessions_resolve_through_the_os_even_with_aiodns_installed():
    async def body():
        async with client_session() as session:
            assert isinstance(session.connector._resolver, aiohttp.ThreadedResolver)
    asyncio.run(body())


def test_jabber_never_asks_aiodns():
    from app.chat.jabber import connect

    class Recorder:
        use_aiodns = True

        def connect(self, address, **options):
            self.address, self.options = address, options

    for host in ("127.0.0.1", ""):
        client = Recorder()
        connect(client, host, 5299, plain=bool(host))
        assert client.use_aiodns is False
