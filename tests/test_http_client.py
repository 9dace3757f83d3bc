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


def test_jabber_finds_its_server_through_the_os_without_an_aiodns_channel(monkeypatch):
    """slixmpp builds an aiodns resolver before it looks at use_aiodns; a pycares channel later torn
    down on its own thread crashed a test run, so none may be made."""
    import pycares

    from app.chat.jabber import connect, make_client

    channels: list = []
    monkeypatch.setattr(pycares, "Channel", lambda *a, **k: channels.append(a) or (_ for _ in ()).throw(
        AssertionError("a pycares channel was made")))

    async def body():
        arrived: asyncio.Future = asyncio.get_running_loop().create_future()

        async def accept(reader, writer):
            arrived.done() or arrived.set_result(await reader.read(200))
            writer.close()

        server = await asyncio.start_server(accept, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        client = make_client("kasir@localhost", "rahasia", plain=True)
        connect(client, "localhost", port, plain=True)  # a name: it has to be looked up
        try:
            opening = await asyncio.wait_for(arrived, 10)
        finally:
            client.abort()
            server.close()
        return opening

    opening = asyncio.run(body())
    assert b"<stream:stream" in opening and b"localhost" in opening  # on the given port, not 5222
    assert channels == []
