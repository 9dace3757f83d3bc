"""Read model of the "Pesan" view, without Qt, on SQLite and PostgreSQL: inbox and outbox ids newest
first, filtered by modem, status and text in SQL, and typed rows for the ids on screen."""
from __future__ import annotations

import datetime as dt

import pytest

from app.queries.messages import Box, InboxRow, MessageFilter, OutboxRow, inbox_rows, message_ids, modem_names
from app.queries.messages import outbox_rows
from app.service import Inbound
from storage.models import InboundMessage, OutboundMessage

from .query_dbs import any_db  # noqa: F401  (fixture)
from .shop_orders import Shop

T0 = dt.datetime(2026, 6, 15, 10, 0)


@pytest.fixture
def shop(any_db):  # noqa: F811
    return Shop()


def test_inbox_filtered_and_read_by_id(shop):
    order = shop.place(T0)  # R001's order through center-1's number: processed
    shop.service.handle(Inbound("sms", "081299990000", "S10.081212121212.0000", modem="center-1"))  # unknown sender
    InboundMessage.create(channel="operator", sender="TSEL-SIM", text="Stok M-Kios 1.000", received_at=T0,
                          dedupe_key="op-1", modem="tsel-1", status="processed")
    ids = message_ids(Box.INBOX)
    assert len(ids) == 3 and list(ids) == sorted(ids, reverse=True)
    rows = inbox_rows(ids)
    newest, rejected, placed = (rows[i] for i in ids)
    assert isinstance(newest, InboxRow) and (newest.channel, newest.modem, newest.sender) == (
        "operator", "tsel-1", "TSEL-SIM")
    assert rejected.status == "rejected" and rejected.reason and rejected.reseller == ""
    assert placed.status == "processed" and placed.reseller == "R001" and "1234" not in placed.text  # PIN masked
    assert placed.received_at == T0 and order
    assert list(message_ids(Box.INBOX, MessageFilter(modem="tsel-1"))) == [newest.message_id]
    assert list(message_ids(Box.INBOX, MessageFilter(status="rejected"))) == [rejected.message_id]
    assert list(message_ids(Box.INBOX, MessageFilter(search="9999"))) == [rejected.message_id]  # by number
    assert list(message_ids(Box.INBOX, MessageFilter(search="M-Kios"))) == [newest.message_id]  # by text
    assert list(message_ids(Box.INBOX, MessageFilter(modem="sender-9"))) == []
    assert list(message_ids(Box.INBOX, after_id=rejected.message_id)) == [newest.message_id]
    assert inbox_rows([]) == {}


def test_outbox_filtered_and_read_by_id(shop):
    order = shop.place(T0, "success")
    sent = OutboundMessage.create(to="081211110001", text="SUKSES S10", order=order, event="success", status="sent",
                                  modem="sender-1", created_at=T0, sent_at=T0 + dt.timedelta(seconds=3), attempts=1)
    waiting = OutboundMessage.create(to="081211110002", text="Saldo Anda", event="balance", status="queued",
                                     created_at=T0)
    ids = message_ids(Box.OUTBOX)
    assert {sent.id, waiting.id} <= set(ids) and ids[0] == waiting.id
    rows = outbox_rows([sent.id, waiting.id])
    row = rows[sent.id]
    assert isinstance(row, OutboxRow) and (row.to, row.status, row.event, row.order_id, row.attempts) == (
        "081211110001", "sent", "success", order, 1)
    assert row.sent_at == T0 + dt.timedelta(seconds=3) and row.created_at == T0
    assert rows[waiting.id].order_id is None and rows[waiting.id].sent_at is None and rows[waiting.id].modem == ""
    assert list(message_ids(Box.OUTBOX, MessageFilter(status="sent"))) == [sent.id]
    assert list(message_ids(Box.OUTBOX, MessageFilter(modem="sender-1", search="SUKSES"))) == [sent.id]
    assert modem_names() == ["center-1", "isat-1", "tsel-1"]
