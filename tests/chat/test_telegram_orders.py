"""Orders by Telegram, end to end: the engine with a Telegram channel pointed (`api_url`) at the local Bot
API server (modems/sim/botapi.py) over real HTTP, and the virtual GSM network for the operator side. The
same cases as Jabber: the reply at once and again when the order settles, R# references, messages sent
while Pulsa was stopped, the Bot API server restarting, a token the server rejects, LINK."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from modems.sim.botapi import BotApiServer
from tests.chat.conftest import balance, orders_of
from tests.conftest import Clock
from tests.engine.conftest import Env, env, run, scenario  # noqa: F401 (fixtures)

TOKEN = "700100:AAF-toko-Token_abc123"
BOT = "tokopulsabot"
CHANNEL = "bot-toko"
R001_TG = 555001
STRANGER_TG = 555009
DEST = "081389092678"


@pytest.fixture
def shop_db(tmp_path):
    """SQLite only: the chat path is the same on PostgreSQL (the engine suites cover both)."""
    return str(tmp_path / "telegram.db")


class Shop:
    """The shop's server with one Telegram channel, and the Bot API server its users write to."""

    def __init__(self, env: Env, api: BotApiServer) -> None:
        self.env = env
        self.api = api
        self.clock = Clock(dt.datetime.now().replace(microsecond=0))

    async def start(self, *, link_r001: bool = True, token: str = TOKEN) -> None:
        from app.chat import channels
        from app.engine_settings import EngineSettings
        from app.runtime import Runtime, RuntimeOptions
        from storage.models import Reseller, ResellerAddress

        channels.save(channels.ChannelSpec(CHANNEL, "telegram", token, api_url=self.api.url))
        address = str(R001_TG)  # stored without the "tg:" the owner types (app/chat/addresses.py)
        if link_r001 and not ResellerAddress.select().where(ResellerAddress.address == address).exists():
            ResellerAddress.create(reseller=Reseller.get(Reseller.code == "R001"), channel="telegram",
                                   address=address)
        self.env.runtime = Runtime(RuntimeOptions(
            engine_settings=EngineSettings(pending_timeout_s=5, stock_check_interval_s=3600),
            modem_overrides={"ussd_timeout": 3, "sweep_interval": 1, "init_timeout": 5},
            listeners=[self.env.events.append], clock=self.clock))
        await self.env.runtime.start()
        self.env.engine = self.env.runtime.engine
        await self.env.wait(lambda: all(link.online for link in self.env.engine.links.values()), 20,
                            "modems online")

    def run_state(self) -> Any:
        chat = self.env.runtime.chat if self.env.runtime else None
        run_ = chat.runs.get(CHANNEL) if chat else None
        return run_.state if run_ else None

    async def online(self) -> None:
        from app.chat.transport import ChannelState

        await self.env.wait(lambda: self.run_state() == ChannelState.ONLINE, 20, "telegram channel online")

    async def stop(self) -> None:
        runtime, self.env.runtime = self.env.runtime, None
        if runtime is not None:
            await runtime.stop()

    def says(self, user: int, text: str) -> int:
        return self.api.user_says(TOKEN, user, text)

    async def replies(self, user: int, count: int, timeout: float = 30) -> list[str]:
        return await self.api.wait_sent(TOKEN, user, count, timeout)


@pytest.fixture
def shop(env):  # noqa: F811 (the engine's fixture)
    api = BotApiServer({TOKEN: BOT})
    return Shop(env, api)


def _outbound(channel_key: str) -> list:
    from storage.models import OutboundMessage

    return list(OutboundMessage.select().where(OutboundMessage.channel == channel_key).order_by(OutboundMessage.id))


def test_order_by_telegram_is_answered_at_once_and_again_with_sn_and_balance(shop):
    async def body():
        await shop.api.start()
        await shop.start()
        try:
            await shop.online()
            before = balance("R001")
            shop.says(R001_TG, f"S10.{DEST}.1234")
            first, done = await shop.replies(R001_TG, 2)
            assert "diproses" in first and "1234" not in first
            (order,) = orders_of("R001")
            assert order.status == "success" and order.sn
            assert f"SN:{order.sn}" in done
            assert balance("R001") == before - order.price
            assert f"Saldo {balance('R001'):,}".replace(",", ".") in done
            from storage.models import InboundMessage

            (msg,) = InboundMessage.select().where(InboundMessage.channel == f"telegram:{CHANNEL}")
            assert msg.sender == str(R001_TG) and "1234" not in msg.text  # PIN masked in storage
            # the outbox marks a reply sent once the server's answer is back, just after the user has it
            await shop.env.wait(lambda: [o.status for o in _outbound(f"telegram:{CHANNEL}")] == ["sent", "sent"],
                                10, "both replies marked sent")
            assert shop.api.sent_to(TOKEN, STRANGER_TG) == []  # nobody else heard anything
        finally:
            await shop.stop()
            await shop.api.stop()
    run(body())


def test_r_tag_by_telegram_is_one_order_and_every_reply_starts_with_it(shop):
    async def body():
        await shop.api.start()
        await shop.start()
        try:
            await shop.online()
            shop.says(R001_TG, f"R#tg-77 S10.{DEST}.1234")
            texts = await shop.replies(R001_TG, 2)
            assert "SUKSES" in texts[1].upper()
            shop.says(R001_TG, f"S10.{DEST}.1234 R#tg-77")  # the same reference: its status, no new order
            texts = await shop.replies(R001_TG, 3)
            assert len(orders_of("R001")) == 1 and orders_of("R001")[0].ref_id == "tg-77"
            assert all(t.startswith("R#tg-77 ") for t in texts), texts
        finally:
            await shop.stop()
            await shop.api.stop()
    run(body())


def test_messages_sent_while_pulsa_was_stopped_are_answered_once_when_it_is_back(shop):
    async def body():
        await shop.api.start()
        await shop.start()
        await shop.online()
        shop.says(R001_TG, "SAL.1234")
        (first,) = await shop.replies(R001_TG, 1)
        assert "Saldo" in first
        await shop.stop()
        # Pulsa is off: a reseller orders meanwhile
        shop.says(R001_TG, f"S10.{DEST}.1234")
        await shop.start()
        try:
            await shop.online()
            texts = await shop.replies(R001_TG, 3)
            assert "SUKSES" in texts[2].upper()
            assert len(orders_of("R001")) == 1
        finally:
            await shop.stop()
        # once more: nothing is fetched or answered again
        await shop.start()
        try:
            await shop.online()
            shop.says(R001_TG, "SAL.1234")
            texts = await shop.replies(R001_TG, 4)
            assert "Saldo" in texts[3]
            assert len(orders_of("R001")) == 1
            from storage.models import InboundMessage

            assert InboundMessage.select().where(InboundMessage.channel == f"telegram:{CHANNEL}").count() == 3
        finally:
            await shop.stop()
            await shop.api.stop()
        assert len(shop.api.sent_to(TOKEN, R001_TG)) == 4
    run(body())


def test_the_channel_comes_back_after_the_bot_api_server_restarts(shop):
    async def body():
        from app.chat.transport import ChannelState

        await shop.api.start()
        await shop.start()
        try:
            await shop.online()
            await shop.api.stop()
            await shop.env.wait(lambda: shop.run_state() == ChannelState.OFFLINE, 20, "channel offline")
            shop.says(R001_TG, "SAL.1234")  # queued at the server while it is down
            await shop.api.restart()
            await shop.online()
            (reply,) = await shop.replies(R001_TG, 1)
            assert "Saldo" in reply
        finally:
            await shop.stop()
            await shop.api.stop()
    run(body())


def test_a_token_the_server_rejects_stops_the_channel_and_changes_nothing(shop):
    async def body():
        from app.chat.transport import ChannelState

        shop.api.refuse(TOKEN)
        await shop.api.start()
        await shop.start()
        try:
            before = balance("R001")
            await shop.env.wait(lambda: shop.run_state() == ChannelState.REFUSED, 20, "channel refused")
            shop.says(R001_TG, f"S10.{DEST}.1234")
            run_ = shop.env.runtime.chat.runs[CHANNEL]
            assert "token" in run_.detail.lower() and TOKEN not in run_.detail
        finally:
            await shop.stop()
        try:
            # it never tried again by itself, and never read the reseller's message
            assert shop.api.calls[(TOKEN, "getMe")] == 1
            assert shop.api.calls[(TOKEN, "getUpdates")] == 0
            assert balance("R001") == before and orders_of("R001") == []
        finally:
            await shop.api.stop()
    run(body())


def test_a_reseller_links_its_telegram_itself_and_a_stranger_hears_once(shop):
    async def body():
        await shop.api.start()
        await shop.start(link_r001=False)
        try:
            await shop.online()
            shop.says(STRANGER_TG, f"S10.{DEST}.1234")
            (polite,) = await shop.replies(STRANGER_TG, 1)
            assert "belum terdaftar" in polite and "LINK" in polite
            shop.says(STRANGER_TG, "LINK.R001.9999")  # a wrong PIN links nothing
            wrong = (await shop.replies(STRANGER_TG, 2))[1]
            assert "PIN" in wrong
            shop.says(STRANGER_TG, "LINK.R001.1234")
            linked = (await shop.replies(STRANGER_TG, 3))[2]
            assert "R001" in linked
            from storage.models import InboundMessage, ResellerAddress

            assert ResellerAddress.select().where(ResellerAddress.address == str(STRANGER_TG)).count() == 1
            assert all("1234" not in m.text and "9999" not in m.text for m in InboundMessage.select())
            before = balance("R001")
            shop.says(STRANGER_TG, f"S10.{DEST}.1234")  # now an order of R001's
            done = (await shop.replies(STRANGER_TG, 5))[4]
            assert "SUKSES" in done.upper() and balance("R001") < before
        finally:
            await shop.stop()
            await shop.api.stop()
    run(body())


def test_an_h2h_members_chat_order_is_answered_on_the_chat_not_by_callback(shop):
    """A reseller that is also an H2H member with a callback URL gets its HTTP orders reported by callback;
    an order it sends by chat with an R# tag is answered on the chat only."""
    async def body():
        from app.h2h import members

        members.save("R001", actor="test", password="rahasia-h2h", callback_url="http://127.0.0.1:9/cb",
                     callback_form="otomax")
        await shop.api.start()
        await shop.start()
        try:
            await shop.online()
            shop.says(R001_TG, f"R#h2h-1 S10.{DEST}.1234")
            texts = await shop.replies(R001_TG, 2)
            assert all(t.startswith("R#h2h-1 ") for t in texts) and "SUKSES" in texts[1].upper()
            from storage import sql

            assert sql.one("SELECT COUNT(*) FROM h2h_callback")[0] == 0
        finally:
            await shop.stop()
            await shop.api.stop()
    run(body())
