"""Store and send: a reply is written to the sender modem's memory before it is sent, so after a crash
the modem tells whether it left. A reply that left is not sent again; one that did not is sent once."""
from __future__ import annotations

import datetime as dt

from modems import pdu
from storage import sql
from storage.models import OutboundMessage
from tests.sim.helpers import At

from .conftest import R001, run

TEXT = "TrxID 77: S10 ke 081389092678 SUKSES. SN:12345. Saldo 989.450"


def write_to_sender_memory(env, send: bool) -> int:
    """What the server did before it died: AT+CMGW (and AT+CMSS when `send`) on the sender modem."""
    url = next(m["port_url"] for m in env.api("GET", "/api/modems") if m["id"] == "sender")
    at = At(url)
    try:
        at.ok("ATE0")
        at.ok("AT+CMEE=1")
        part = pdu.encode_submit(R001, TEXT)[0]
        lines, final = at.send_pdu(part.hex, part.tpdu_length, verb="CMGW")
        assert final == "OK"
        index = int(lines[-1].split(":")[1])
        if send:
            at.ok(f"AT+CMSS={index}")
    finally:
        at.close()
    return index


def queue_stored_reply(index: int) -> int:
    (out_id,) = sql.one('INSERT INTO outbound_message (channel, "to", text, status, event, modem, attempts, '
                        "created_at, stored) VALUES ('sms', ?, ?, 'queued', '', '', 0, ?, ?) RETURNING id",
                        (R001, TEXT, dt.datetime.now(), f"sender:{index}"))
    return out_id


def test_a_reply_that_left_before_the_crash_is_not_sent_again(env):
    async def body():
        index = write_to_sender_memory(env, send=True)
        out_id = queue_stored_reply(index)
        await env.wait(lambda: env.received(R001) == [TEXT], what="the reply sent before the crash")
        await env.start()
        done = await env.wait(lambda: (m := OutboundMessage.get_by_id(out_id)).status == "sent" and not m.stored
                              and m, what="the row settled and its slot freed")
        assert done.modem == "sender"
        await env.wait(lambda: not env.engine.outbox._inflight, what="the outbox idle")
        assert env.received(R001) == [TEXT]  # once
        assert env.api("GET", "/api/modems/sender")["store"]["used"] == 0
        await env.stop()
    run(body())


def test_a_reply_stored_but_not_sent_before_the_crash_is_sent_once(env):
    async def body():
        index = write_to_sender_memory(env, send=False)
        out_id = queue_stored_reply(index)
        await env.start()
        await env.wait(lambda: OutboundMessage.get_by_id(out_id).status == "sent"
                       and not OutboundMessage.get_by_id(out_id).stored, what="the row settled")
        await env.wait(lambda: env.received(R001), what="the reply")
        await env.wait(lambda: not env.engine.outbox._inflight, what="the outbox idle")
        assert env.received(R001) == [TEXT]
        assert env.api("GET", "/api/modems/sender")["store"]["used"] == 0
        await env.stop()
    run(body())


def test_replies_go_through_the_memory_and_free_it(env):
    async def body():
        await env.start()
        env.sms("S10.081389092678.1234")
        await env.wait(lambda: any("SUKSES" in t for t in env.received(R001)), what="the reply")
        await env.wait(lambda: not OutboundMessage.select().where(OutboundMessage.stored != "").exists(),
                       what="slots freed")
        sent = [s for m in ("sender", "sender2") for s in env.api("GET", f"/api/modems/{m}/sent")]
        assert len(sent) == 1  # sent once, by AT+CMSS from the memory
        for m in ("sender", "sender2"):
            assert env.api("GET", f"/api/modems/{m}")["store"]["used"] == 0
        await env.stop()
    run(body())


def test_an_sms_written_to_memory_just_before_a_crash_is_cleared(env):
    async def body():
        write_to_sender_memory(env, send=False)  # the row never learned its slot
        assert env.api("GET", "/api/modems/sender")["store"]["used"] == 1
        await env.start()
        await env.wait(lambda: env.api("GET", "/api/modems/sender")["store"]["used"] == 0, what="the stray deleted")
        assert env.received(R001) == []  # deleted, not sent: its reply row is sent on its own
        await env.stop()
    run(body())
