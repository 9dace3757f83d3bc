"""Orders by Jabber through a real Prosody: the reply on the same chat at once and when the order settles,
R# references, strangers, self-linking, reconnecting, offline messages and old ones."""
from __future__ import annotations

import datetime as dt

from tests.chat.conftest import CHANNEL, R001_JID, balance, orders_of
from tests.engine.conftest import run

DEST = "081389092678"


def test_order_is_answered_at_once_and_again_with_sn_and_balance(chat, caplog):
    import base64
    import logging

    from tests.chat.conftest import SHOP, SHOP_PASSWORD

    caplog.set_level(logging.DEBUG)

    async def body():
        await chat.start()
        try:
            before = balance("R001")
            toko = await chat.peer("toko")
            toko.send(f"S10.{DEST}.1234")
            first = await toko.wait_for(lambda t: "diproses" in t)
            done = await toko.wait_for(lambda t: "SUKSES" in t)
            assert "TrxID" in first and "1234" not in first
            (order,) = orders_of("R001")
            assert order.status == "success" and order.sn and f"SN:{order.sn}" in done
            assert balance("R001") == before - order.price
            assert f"Saldo {balance('R001'):,}".replace(",", ".") in done
            from storage.models import InboundMessage, OutboundMessage

            msg = InboundMessage.get(InboundMessage.channel == f"jabber:{CHANNEL}")
            assert "1234" not in msg.text and msg.sender == R001_JID  # PIN masked in storage
            sent = list(OutboundMessage.select().where(OutboundMessage.channel == f"jabber:{CHANNEL}"))
            assert len(sent) == 2 and all(o.status == "sent" for o in sent)
            run_ = chat.env.runtime.chat.runs[CHANNEL]
            assert (run_.received, run_.sent) == (1, 2)
        finally:
            await chat.close()
    run(body())
    plain = base64.b64encode(f"\0{SHOP}\0{SHOP_PASSWORD}".encode()).decode()
    assert SHOP_PASSWORD not in caplog.text and plain not in caplog.text


def test_r_tag_makes_one_order_per_reference_and_tags_every_reply(chat):
    async def body():
        await chat.start()
        try:
            toko = await chat.peer("toko")
            toko.send(f"R#ab-12 S10.{DEST}.1234")
            await toko.wait_for(lambda t: "SUKSES" in t)
            toko.send(f"S10.{DEST}.1234 R#ab-12")  # the same reference again: its status, no second order
            again = await toko.wait(3)
            assert len(orders_of("R001")) == 1
            assert orders_of("R001")[0].ref_id == "ab-12"
            assert all(t.startswith("R#ab-12 ") for t in again), again
            assert "Sukses" in again[2] or "SUKSES" in again[2].upper()
            toko.send(f"S10.{DEST}.1234 R#ab-13")  # a new reference: a new order, same number and product
            await toko.wait_for(lambda t: t.startswith("R#ab-13") and "SUKSES" in t)
            assert [o.ref_id for o in orders_of("R001")] == ["ab-12", "ab-13"]
            before = balance("R001")
            toko.send(f"S10.{DEST}.1234 R#bad!ref")  # a malformed reference changes nothing
            await toko.wait_for(lambda t: "R# hanya boleh" in t)
            assert balance("R001") == before and len(orders_of("R001")) == 2
        finally:
            await chat.close()
    run(body())


def test_a_stranger_gets_one_polite_reply_a_day(chat):
    async def body():
        await chat.start()
        try:
            asing = await chat.peer("asing")
            asing.send(f"S10.{DEST}.1234")
            (reply,) = await asing.wait(1)
            assert "belum terdaftar" in reply and "LINK" in reply
            asing.send("SAL.1234")
            asing.send("FORMAT")
            # the reply to a later message would come before this one's: so none came to the first two
            chat.clock.advance(days=1)
            asing.send("SAL.9999")
            texts = await asing.wait(2)
            assert len(texts) == 2 and "belum terdaftar" in texts[1]
            from storage.models import InboundMessage

            assert InboundMessage.select().where(InboundMessage.sender == "asing@localhost").count() == 4
        finally:
            await chat.close()
    run(body())


def test_a_reseller_links_a_new_chat_with_its_code_and_pin(chat):
    async def body():
        await chat.start(link_r001=False)
        try:
            maju = await chat.peer("maju")
            maju.send("LINK.R002.1111")  # wrong PIN: counted, nothing linked
            await maju.wait_for(lambda t: "PIN" in t)
            maju.send("LINK.R002.4321")
            linked = await maju.wait_for(lambda t: "tertaut" in t)
            assert "xmpp:maju@localhost" in linked and "R002" in linked
            from storage.models import InboundMessage, Reseller, ResellerAddress

            r002 = Reseller.get(Reseller.code == "R002")
            assert ResellerAddress.get(ResellerAddress.address == "maju@localhost").reseller_id == r002.id
            assert all("4321" not in m.text and "1111" not in m.text for m in InboundMessage.select())
            maju.send("SAL.4321")
            saldo = await maju.wait_for(lambda t: t.startswith("Saldo R002"))
            assert "5.000" in saldo
        finally:
            await chat.close()
    run(body())


def test_reconnects_after_the_server_restarts_and_answers_what_came_meanwhile(chat):
    async def body():
        from app.chat.transport import ChannelState

        await chat.start()
        try:
            chat.env.runtime.chat.runs[CHANNEL].transport.backoff_s = 0.2
            chat.server.stop()
            await chat.env.wait(lambda: chat.state() == ChannelState.OFFLINE, 20, "channel offline")
            chat.server.start()
            await chat.online()
            toko = await chat.peer("toko")
            toko.send(f"S10.{DEST}.1234")
            await toko.wait_for(lambda t: "SUKSES" in t)
            assert len(orders_of("R001")) == 1
        finally:
            await chat.close()
    run(body())


def test_messages_sent_while_pulsa_was_stopped_are_processed_once(chat):
    async def body():
        await chat.start()
        await chat.stop()
        try:
            toko = await chat.peer("toko")
            toko.send(f"S10.{DEST}.1234")  # Pulsa is away: Prosody keeps it (mod_offline)
            toko.send("SAL.1234")
            await chat.start()
            await toko.wait_for(lambda t: "SUKSES" in t)
            await toko.wait_for(lambda t: t.startswith("Saldo R001"))
            assert len(orders_of("R001")) == 1
            count = len(toko.received)
            await chat.stop()  # and again: nothing is handed over twice, nothing answered twice
            await chat.start()
            toko.send("SAL.1234")
            await toko.wait(count + 1)
            assert len(toko.received) == count + 1 and len(orders_of("R001")) == 1
        finally:
            await chat.close()
    run(body())


def test_an_order_older_than_the_age_limit_is_answered_as_too_old(chat):
    async def body():
        await chat.start()
        await chat.stop()
        try:
            toko = await chat.peer("toko")
            before = balance("R001")
            toko.send(f"S10.{DEST}.1234")  # kept by the server while Pulsa is away ...
            chat.clock.advance(minutes=90)  # ... for longer than max_order_age_min (60)
            await chat.start()
            reply = await toko.wait_for(lambda t: "terlambat" in t)
            assert "S10" in reply and orders_of("R001") == [] and balance("R001") == before
        finally:
            await chat.close()
    run(body())


def test_bad_input_changes_no_balance(chat):
    async def body():
        await chat.start()
        try:
            toko = await chat.peer("toko")
            before = balance("R001")
            for text in ("S10.0813.1234", "S10.081389092678.9999", "", "ZZZ9.081389092678.1234", "\u202e" * 50,
                         "LINK.R001", "R#" + "x" * 200 + " S10.081389092678.1234"):
                if text:
                    toko.send(text)
            await toko.wait(6)
            assert balance("R001") == before and orders_of("R001") == []
            assert chat.env.runtime.engine.failure == ""
        finally:
            await chat.close()
    run(body())


def test_a_full_jid_binds_one_resource(chat):
    async def body():
        from storage.models import Reseller, ResellerAddress

        await chat.start(link_r001=False)
        try:
            ResellerAddress.create(reseller=Reseller.get(Reseller.code == "R001"), channel="jabber",
                                   address=R001_JID + "/kasir")
            kasir = await chat.peer("toko", "kasir")
            kasir.send("SAL.1234")
            assert (await kasir.wait_for(lambda t: "Saldo" in t)).startswith("Saldo R001")
            other = await chat.peer("toko", "laptop")
            other.send("SAL.1234")
            assert "belum terdaftar" in await other.wait_for(lambda t: "terdaftar" in t)
        finally:
            await chat.close()
    run(body())


def test_a_refused_password_is_not_retried(chat):
    async def body():
        from app.chat import channels
        from app.chat.transport import ChannelState
        from app.events import Alert

        await chat.start()
        try:
            channels.save(channels.ChannelSpec(CHANNEL, "jabber", "salah", jid="pulsa@localhost",
                                               host="127.0.0.1", port=chat.server.port))
            await chat.env.runtime.chat.apply(CHANNEL)
            await chat.env.wait(lambda: chat.state() == ChannelState.REFUSED, 20, "refused")
            assert any(isinstance(e, Alert) and "ditolak" in e.text for e in chat.env.events)
            assert "salah" not in repr(chat.env.events)
        finally:
            await chat.close()
    run(body())


def test_sent_at_of_an_offline_message_is_its_delay_stamp(chat):
    async def body():
        from storage.models import InboundMessage

        await chat.start()
        await chat.stop()
        try:
            toko = await chat.peer("toko")
            toko.send("SAL.1234")
            await chat.start()
            await toko.wait(1)
            msg = InboundMessage.get(InboundMessage.sender == R001_JID)
            assert msg.sent_at is not None and abs(msg.sent_at - dt.datetime.now()) < dt.timedelta(minutes=1)
        finally:
            await chat.close()
    run(body())
