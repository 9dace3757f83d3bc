"""The Telegram transport against a local Bot API server over real HTTP on loopback (modems/sim/botapi.py):
receiving in order, the update offset (nothing lost, nothing twice, across failures and restarts), sending,
reconnecting after the server restarts, a rejected token, and the token never reaching a log."""
from __future__ import annotations

import asyncio
import datetime as dt
import logging

import pytest

from app.http_client import client_session
from app.chat.telegram import TelegramTransport, base_url, split_text
from app.chat.transport import ChannelKind, ChannelState, ChatMessage, ChatSendError
from modems.sim.botapi import BotApiServer

from .botapi_fixture import BOT, TOKEN, USER, Channel, run


async def serving(**bots: str) -> BotApiServer:
    server = BotApiServer(bots or {TOKEN: BOT})
    await server.start()
    return server


def test_receives_a_message_as_a_chat_message():
    async def body():
        server = await serving()
        ch = Channel(server).start()
        try:
            online = await ch.wait_state(ChannelState.ONLINE)
            assert online.detail == f"tersambung sebagai @{BOT}"
            assert ch.states[0] is ChannelState.CONNECTING
            written = dt.datetime(2026, 6, 15, 3, 4, 5, tzinfo=dt.timezone.utc)
            update_id = server.user_says(TOKEN, USER, "T10.081234567890.1234", date=written)
            [message] = await ch.wait_delivered(1)
            assert message == ChatMessage(channel="bot-toko", kind=ChannelKind.TELEGRAM, sender=f"tg:{USER}",
                                          text="T10.081234567890.1234",
                                          sent_at=written.astimezone().replace(tzinfo=None),  # naive local time
                                          dedupe_key=f"tg:123456:{update_id}")
            assert ch.transport.bot_id == 123456 and ch.transport.username == BOT
            await server.wait_confirmed(TOKEN, update_id)
        finally:
            await ch.stop()
            await server.stop()
    run(body())


def test_messages_arrive_in_order_and_the_reply_reaches_the_user():
    async def body():
        server = await serving()
        ch = Channel(server).start()
        try:
            await ch.wait_state(ChannelState.ONLINE)
            texts = [f"T{n}.08123456789{n}.1234" for n in range(5)]
            for text in texts:
                server.user_says(TOKEN, USER, text)
            server.user_says(TOKEN, USER + 1, "SAL.1234")
            delivered = await ch.wait_delivered(6)
            assert [m.text for m in delivered] == texts + ["SAL.1234"]
            assert delivered[-1].sender == f"tg:{USER + 1}"
            assert len({m.dedupe_key for m in delivered}) == 6
            await ch.transport.send(f"tg:{USER}", "T10 ke 081234567890 sukses. SN: 0412345678901234")
            await ch.transport.send(f"tg:{USER}", "Saldo Anda Rp 90.000")
            assert await server.wait_sent(TOKEN, USER, 2) == [
                "T10 ke 081234567890 sukses. SN: 0412345678901234", "Saldo Anda Rp 90.000"]
            assert server.sent_to(TOKEN, USER + 1) == []
        finally:
            await ch.stop()
            await server.stop()
    run(body())


def test_an_update_not_stored_is_delivered_again_before_the_next():
    async def body():
        server = await serving()
        ch = Channel(server)
        ch.fail_next = 1
        ch.start()
        try:
            first = server.user_says(TOKEN, USER, "T10.081234567890.1234")
            server.user_says(TOKEN, USER, "T20.081234567890.1234")
            delivered = await ch.wait_delivered(2)
            assert [m.text for m in delivered] == ["T10.081234567890.1234", "T20.081234567890.1234"]
            assert delivered[0].dedupe_key == f"tg:123456:{first}"
            assert ch.deliver_calls == 3  # the failed one once more, then the next; nothing skipped
            assert ChannelState.OFFLINE not in ch.states  # the link was fine
        finally:
            await ch.stop()
            await server.stop()
    run(body())


def test_updates_queued_while_stopped_arrive_once_after_a_restart():
    async def body():
        server = await serving()
        first = Channel(server).start()
        try:
            server.user_says(TOKEN, USER, "T10.081234567890.1234")
            await first.wait_delivered(1)
        finally:
            await first.stop()  # Pulsa stopped
        offline = [server.user_says(TOKEN, USER, f"T{n}.081234567890.1234") for n in (20, 25)]
        second = Channel(server).start()  # Pulsa started again: a new transport, no memory of the offset
        try:
            delivered = await second.wait_delivered(2)
            server.user_says(TOKEN, USER, "SAL.1234")
            await second.wait_delivered(3)
            assert [m.text for m in second.delivered] == ["T20.081234567890.1234", "T25.081234567890.1234",
                                                          "SAL.1234"]
            assert [m.dedupe_key for m in delivered[:2]] == [f"tg:123456:{u}" for u in offline]
            assert second.deliver_calls == 3  # the one taken before the stop was confirmed, never handed again
        finally:
            await second.stop()
        assert server.pending(TOKEN) == []  # what was delivered is confirmed when the channel stops
        await server.stop()
    run(body())


def test_non_text_and_group_updates_are_acknowledged_and_skipped():
    async def body():
        server = await serving()
        ch = Channel(server).start()
        try:
            sticker = server.queue_update(TOKEN, {"message": server.message(
                TOKEN, USER, sticker={"file_id": "CAAD", "file_unique_id": "AgAD", "type": "regular", "width": 512,
                                      "height": 512, "is_animated": False, "is_video": False})})
            group = server.queue_update(TOKEN, {"message": server.message(TOKEN, USER, chat_type="group",
                                                                          text="T10.081234567890.1234")})
            edited = server.message(TOKEN, USER, text="T5.081234567890.1234")
            server.queue_update(TOKEN, {"edited_message": {**edited, "edit_date": edited["date"]}})
            text = server.user_says(TOKEN, USER, "SAL.1234")
            await server.wait_confirmed(TOKEN, text)
            assert [m.text for m in ch.delivered] == ["SAL.1234"]
            assert ch.deliver_calls == 1
            assert sticker < group < text and server.pending(TOKEN) == []
        finally:
            await ch.stop()
            await server.stop()
    run(body())


def test_reconnects_with_back_off_when_the_server_goes_away_and_comes_back():
    async def body():
        server = await serving()
        port = int(server.url.rsplit(":", 1)[1])
        ch = Channel(server).start()
        try:
            await ch.wait_state(ChannelState.ONLINE)
            server.user_says(TOKEN, USER, "T10.081234567890.1234")
            await ch.wait_delivered(1)
            await server.stop()
            mark = len(ch.statuses)
            lost = await ch.wait_state(ChannelState.OFFLINE, after=mark)
            assert lost.detail.startswith("koneksi terputus, mencoba lagi dalam ")
            await ch.until(lambda: sum(s.state is ChannelState.OFFLINE for s in ch.statuses) >= 3,
                           "several tries while the server is away")
            waits = [s.detail for s in ch.statuses[mark:] if s.state is ChannelState.OFFLINE]
            assert waits[:3] == [f"koneksi terputus, mencoba lagi dalam {w:g} dtk" for w in (0.05, 0.1, 0.2)]
            server.user_says(TOKEN, USER, "T20.081234567890.1234")  # arrives at Telegram while we cannot reach it
            await server.start(port=port)
            mark = len(ch.statuses)
            await ch.wait_state(ChannelState.ONLINE, after=mark)
            await ch.wait_delivered(2)
            await ch.transport.send(f"tg:{USER}", "T20 sukses")
            assert await server.wait_sent(TOKEN, USER, 1) == ["T20 sukses"]
            # a quick restart (the link drops and comes straight back) loses nothing either
            await server.restart()
            server.user_says(TOKEN, USER, "T25.081234567890.1234")
            await ch.wait_delivered(3)
            assert [m.text for m in ch.delivered] == ["T10.081234567890.1234", "T20.081234567890.1234",
                                                      "T25.081234567890.1234"]
            assert ch.deliver_calls == 3
        finally:
            await ch.stop()
            await server.stop()
    run(body())


def test_a_rejected_token_is_refused_once_without_retrying():
    async def body():
        server = await serving()
        wrong = "999999:AAH-salah-token-abc"
        ch = Channel(server, token=wrong).start()
        try:
            await asyncio.wait_for(ch.task, 10)  # run returns: no retry until the owner changes the token
            assert ch.states == [ChannelState.CONNECTING, ChannelState.REFUSED]
            assert ch.statuses[-1].detail == "token ditolak server Telegram"
            assert server.calls[(wrong, "getMe")] == 1
            assert server.calls[(wrong, "getUpdates")] == 0
        finally:
            await server.stop()
    run(body())


def test_a_token_revoked_while_running_is_refused():
    async def body():
        server = await serving()
        ch = Channel(server).start()
        try:
            await ch.wait_state(ChannelState.ONLINE)
            server.refuse(TOKEN)
            await asyncio.wait_for(ch.task, 10)
            assert ch.states[-1] is ChannelState.REFUSED
            calls = server.calls.copy()
            with pytest.raises(ChatSendError, match="token ditolak"):
                await ch.transport.send(f"tg:{USER}", "halo")
            assert server.calls[(TOKEN, "getUpdates")] == calls[(TOKEN, "getUpdates")]
            # the owner fixes it (here: the token is honoured again) and the channel is started anew
            server.user_says(TOKEN, USER, "SAL.1234")
            server.refuse(TOKEN, False)
            again = Channel(server).start()
            try:
                assert [m.text for m in await again.wait_delivered(1)] == ["SAL.1234"]
            finally:
                await again.stop()
        finally:
            await server.stop()
    run(body())


def test_long_text_is_split_and_bad_sends_raise_chat_send_error():
    async def body():
        server = await serving()
        ch = Channel(server)
        try:
            # not running: a reply still goes out on a short-lived connection
            lines = [f"{n:04d} " + "x" * 95 for n in range(90)]  # 100 characters each, 9000 in all
            text = "\n".join(lines)
            await ch.transport.send(f"tg:{USER}", text)
            sent = await server.wait_sent(TOKEN, USER, 3)
            assert "".join(sent) == text and all(len(piece) <= 4096 for piece in sent)
            assert all(piece.endswith("\n") for piece in sent[:-1])  # cut between lines
            with pytest.raises(ChatSendError):
                await ch.transport.send("xmpp:ani@example.com", "halo")
            with pytest.raises(ChatSendError):
                await ch.transport.send("tg:abc", "halo")
            await server.stop()
            with pytest.raises(ChatSendError, match="koneksi Telegram gagal"):
                await ch.transport.send(f"tg:{USER}", "halo")
        finally:
            await server.stop()
    run(body())


def test_split_text_and_base_url():
    assert split_text("") == [""]
    assert split_text("a" * 10, limit=4) == ["aaaa", "aaaa", "aa"]
    assert split_text("ab\ncd\nef", limit=6) == ["ab\ncd\n", "ef"]
    assert base_url(None) == "https://api.telegram.org/bot"
    assert base_url("http://127.0.0.1:8081/") == "http://127.0.0.1:8081/bot"
    assert base_url("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/bot"


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_the_token_never_reaches_a_log():
    async def body(records: _Records) -> None:
        server = await serving()
        ch = Channel(server).start()
        try:
            await ch.wait_state(ChannelState.ONLINE)
            # even someone debugging with the library loggers wide open sees the token masked
            logging.getLogger("httpx").setLevel(logging.DEBUG)
            logging.getLogger("telegram").setLevel(logging.DEBUG)
            server.user_says(TOKEN, USER, "T10.081234567890.1234")
            await ch.wait_delivered(1)
            await ch.transport.send(f"tg:{USER}", "sukses")
            await server.stop()
            await ch.wait_state(ChannelState.OFFLINE)
            await server.start(port=int(server.url.rsplit(":", 1)[1]))
            server.refuse(TOKEN)
            await asyncio.wait_for(ch.task, 10)
            with pytest.raises(ChatSendError) as raised:
                await ch.transport.send(f"tg:{USER}", "sukses")
            assert TOKEN not in str(raised.value)
        finally:
            if not ch.task.done():
                await ch.stop()
            await server.stop()
        assert any("<token>" in line for line in records.lines), "the library logged its URLs, masked"
        assert not [line for line in records.lines if TOKEN in line]
        assert TOKEN not in repr(ch.transport)
        assert all(TOKEN not in s.detail for s in ch.statuses)

    root = logging.getLogger()
    records = _Records()
    saved = root.level, logging.getLogger("httpx").level, logging.getLogger("telegram").level
    root.addHandler(records)
    root.setLevel(logging.DEBUG)
    try:
        run(body(records))
    finally:
        root.removeHandler(records)
        root.setLevel(saved[0])
        logging.getLogger("httpx").setLevel(saved[1])
        logging.getLogger("telegram").setLevel(saved[2])


def test_library_loggers_stay_quiet_by_default():
    TelegramTransport("bot-toko", TOKEN, "http://127.0.0.1:9")
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
    assert logging.getLogger("telegram").getEffectiveLevel() >= logging.WARNING


def test_the_simulator_answers_as_the_bot_api_does():

    async def body():
        server = await serving()
        api = f"{server.url}/bot{TOKEN}"
        try:
            async with client_session() as http:
                async def call(url: str, **form) -> tuple[int, dict]:
                    async with http.post(url, data=form) as resp:
                        return resp.status, await resp.json()

                assert await call(f"{server.url}/bot1:nope/getMe") == (
                    401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                status, answer = await call(f"{api}/sendMessage", chat_id="x", text="halo")
                assert (status, answer["error_code"]) == (400, 400)
                assert (await call(f"{api}/sendMessage", chat_id="7", text=""))[0] == 400
                assert (await call(f"{api}/sendMessage", chat_id="7", text="x" * 4097))[0] == 400
                assert (await call(f"{api}/deleteWebhook"))[0] == 404
                # a long poll with nothing queued answers when an update arrives, not at its timeout
                loop = asyncio.get_running_loop()
                started = loop.time()
                waiting = asyncio.ensure_future(call(f"{api}/getUpdates", timeout="30"))
                await server.wait_calls(TOKEN, "getUpdates", 1)
                first = server.user_says(TOKEN, USER, "SAL.1234")
                status, answer = await waiting
                assert status == 200 and [u["update_id"] for u in answer["result"]] == [first]
                assert loop.time() - started < 10
                second = server.user_says(TOKEN, USER, "T10.081234567890.1234")
                status, answer = await call(f"{api}/getUpdates", offset=str(first + 1))  # confirms the first
                assert [u["update_id"] for u in answer["result"]] == [second]
                assert server.pending(TOKEN) == [second]
                # the demo's own control: JSON from this machine only
                async with http.post(f"{server.url}/_sim/say", data="{}") as resp:
                    assert resp.status == 415
                async with http.post(f"{server.url}/_sim/say",
                                     json={"token": TOKEN, "user_id": USER, "text": "SAL"}) as resp:
                    assert (await resp.json())["update_id"] == second + 1
        finally:
            await server.stop()
    run(body())


def test_a_long_reply_cut_off_part_way_is_resumed_not_repeated():
    async def body():
        server = await serving()
        ch = Channel(server).start()
        try:
            await ch.wait_state(ChannelState.ONLINE)
            text = "\n".join(f"{n:04d} " + "x" * 95 for n in range(90))  # three pieces
            server.fail_send(TOKEN, 502, after=1)
            with pytest.raises(ChatSendError, match="koneksi Telegram gagal"):
                await ch.transport.send(f"tg:{USER}", text)
            assert len(server.sent_to(TOKEN, USER)) == 1
            server.fail_send(TOKEN, 429)
            with pytest.raises(ChatSendError, match="minta menunggu 3 dtk"):
                await ch.transport.send(f"tg:{USER}", text)
            await ch.transport.send(f"tg:{USER}", text)  # the outbox tries again: the rest goes
            sent = await server.wait_sent(TOKEN, USER, 3)
            assert len(sent) == 3 and "".join(sent) == text
            await ch.transport.send(f"tg:{USER}", text)  # asked again later: a whole new reply
            assert "".join((await server.wait_sent(TOKEN, USER, 6))[3:]) == text
        finally:
            await ch.stop()
            await server.stop()
    run(body())
