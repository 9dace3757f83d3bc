"""Chat centers against a real XMPP server (tests/chat/prosody.py) and the virtual GSM network: the shop
logs in as pulsa@localhost; resellers and strangers are real slixmpp clients on the same server."""
from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest

from tests.chat.prosody import DOMAIN, Prosody, available
from tests.conftest import Clock
from tests.engine.conftest import SCENARIO, Env, env, run, scenario  # noqa: F401 (fixtures)

SHOP, SHOP_PASSWORD = "pulsa", "rahasia-toko"
CHANNEL = "toko-jabber"
R001_JID = f"toko@{DOMAIN}"  # R001's Jabber account (linked to R001 by the fixtures that need it)
PASSWORDS = {"toko": "pw-toko", "asing": "pw-asing", "maju": "pw-maju"}


@pytest.fixture
def shop_db(tmp_path):
    """SQLite only: the chat path is the same on PostgreSQL (the engine suites cover both)."""
    return str(tmp_path / "chat.db")


@pytest.fixture
def prosody(tmp_path):
    reason = available()
    if reason:
        print(f"SKIP: {reason}")
        pytest.skip(reason)
    server = Prosody(tmp_path / "prosody")
    server.register(SHOP, SHOP_PASSWORD)
    for user, password in PASSWORDS.items():
        server.register(user, password)
    server.start()
    yield server
    server.stop()


class Peer:
    """A chat user: a real XMPP client that sends orders and collects what the shop answers."""

    def __init__(self, user: str, port: int, resource: str = "hp"):
        self.jid = f"{user}@{DOMAIN}/{resource}"
        self.password = PASSWORDS[user]
        self.port = port
        self.received: list[str] = []
        self._new = asyncio.Event()
        self.client: Any = None

    async def connect(self) -> "Peer":
        from app.chat.jabber import connect, make_client

        client = make_client(self.jid, self.password, plain=True)
        started = asyncio.get_running_loop().create_future()

        def on_start(_e: Any) -> None:
            client.send_presence()
            if not started.done():
                started.set_result(None)

        def on_message(msg: Any) -> None:
            if msg["type"] in ("chat", "normal") and msg["body"]:
                self.received.append(str(msg["body"]))
                self._new.set()

        client.add_event_handler("session_start", on_start)
        client.add_event_handler("message", on_message)
        connect(client, "127.0.0.1", self.port, plain=True)
        await asyncio.wait_for(started, 15)
        self.client = client
        return self

    def send(self, text: str, to: str = f"{SHOP}@{DOMAIN}") -> None:
        self.client.send_message(mto=to, mbody=text, mtype="chat")

    async def wait(self, count: int, timeout: float = 30) -> list[str]:
        """Until `count` messages in all have arrived."""
        async with asyncio.timeout(timeout):
            while len(self.received) < count:
                self._new.clear()
                await self._new.wait()
        return self.received

    async def wait_for(self, predicate: Callable[[str], bool], timeout: float = 30) -> str:
        async with asyncio.timeout(timeout):
            while True:
                for text in self.received:
                    if predicate(text):
                        return text
                self._new.clear()
                await self._new.wait()

    async def close(self) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        try:
            await asyncio.wait_for(client.disconnect(wait=0.5), 2)
        except (TimeoutError, Exception):
            client.abort()
        filters = getattr(client, "_run_out_filters", None)  # slixmpp leaves its send loop to __del__
        if filters is not None:
            filters.cancel()


@dataclass
class Chat:
    env: Env
    server: Prosody
    clock: Clock
    peers: list[Peer] = field(default_factory=list)

    async def start(self, *, link_r001: bool = True) -> None:
        from app.chat import channels
        from app.engine_settings import EngineSettings
        from app.runtime import Runtime, RuntimeOptions
        from storage.models import Reseller, ResellerAddress

        channels.save(channels.ChannelSpec(CHANNEL, "jabber", SHOP_PASSWORD, jid=f"{SHOP}@{DOMAIN}",
                                           host="127.0.0.1", port=self.server.port))
        if link_r001 and not ResellerAddress.select().where(ResellerAddress.address == R001_JID).exists():
            ResellerAddress.create(reseller=Reseller.get(Reseller.code == "R001"), channel="jabber",
                                   address=R001_JID)
        env = self.env
        env.runtime = Runtime(RuntimeOptions(
            engine_settings=EngineSettings(pending_timeout_s=5, stock_check_interval_s=3600),
            modem_overrides={"ussd_timeout": 3, "sweep_interval": 1, "init_timeout": 5},
            listeners=[env.events.append], clock=self.clock))
        await env.runtime.start()
        env.engine = env.runtime.engine
        await env.wait(lambda: all(link.online for link in env.engine.links.values()), 20, "modems online")
        await self.online()

    async def online(self) -> None:
        from app.chat.transport import ChannelState

        await self.env.wait(lambda: self.state() == ChannelState.ONLINE, 20, "chat channel online")

    def state(self) -> Any:
        run = self.env.runtime.chat.runs.get(CHANNEL) if self.env.runtime and self.env.runtime.chat else None
        return run.state if run else None

    async def stop(self) -> None:
        runtime, self.env.runtime = self.env.runtime, None
        if runtime is not None:
            await runtime.stop()

    async def peer(self, user: str, resource: str = "hp") -> Peer:
        p = await Peer(user, self.server.port, resource).connect()
        self.peers.append(p)
        return p

    async def close(self) -> None:
        for p in self.peers:
            await p.close()
        await self.stop()


@pytest.fixture
def chat(env, prosody):
    return Chat(env, prosody, Clock(dt.datetime.now().replace(microsecond=0)))


def balance(code: str) -> int:
    from storage.models import Reseller

    return Reseller.get(Reseller.code == code).balance


def orders_of(code: str) -> list:
    from storage.models import Order, Reseller

    return list(Order.select().where(Order.reseller == Reseller.get(Reseller.code == code).id).order_by(Order.id))
