"""The "Supplier dan aturan" view: the suppliers with their stock, and the operator replies no rule
recognises yet ("Balasan belum dikenali"), each one click away from becoming a rule.

A reply is unrecognised when the rule pack its supplier uses *now* reads it as UNKNOWN: an attempt
whose outcome was `unknown` with the operator's text in its response, or an SMS on a supplier's modem
that the engine stored as an operator message (channel 'operator'; the engine stores recognised and
unrecognised follow-ups alike). Once the owner saves a rule that reads it, it leaves the list.
"""
from __future__ import annotations

import datetime as _dt
import logging
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.rules import Outcome, RulePack
from app.shop_admin import load_rule_pack
from app.supplier_config import SupplierConfig
from storage import sql
from storage.models import InboundMessage

log = logging.getLogger(__name__)

# Only recent replies are searched, so the read stays cheap at any size: the newest attempts (a range of
# the primary key) and the newest operator SMS (the primary key read backwards).
RECENT_ATTEMPTS = 5_000
RECENT_SMS = 2_000
RESPONSE_JOIN = " || "  # the engine joins an acknowledgement and its follow-up SMS with this


@dataclass(frozen=True)
class SupplierInfo:
    supplier_id: int
    name: str
    kind: str  # a supplier kind code (ui.labels "supplier_kind")
    modem: str
    operator: str
    rule_pack: str  # "" when the supplier has none
    stock: int | None
    low_stock: int
    active: bool

    @property
    def stock_low(self) -> bool:
        return self.stock is not None and self.stock < self.low_stock


def suppliers() -> list[SupplierInfo]:
    """Every supplier, by name."""
    out = []
    for sid, name, kind, config, stock, low, active in sql.all_rows(
            "SELECT id, name, kind, config, stock, low_stock, active FROM supplier ORDER BY name, id"):
        cfg = SupplierConfig.parse(config)
        where = cfg.modem or (urlsplit(cfg.url).netloc if cfg.url else "")  # an H2H supplier: its host
        out.append(SupplierInfo(int(sid), name, kind, where, cfg.operator, cfg.rule_pack,
                                None if stock is None else int(stock), int(low or 0), bool(active)))
    return out


@dataclass(frozen=True)
class UnrecognisedReply:
    text: str
    at: _dt.datetime | None
    source: str  # "attempt" (the answer to a top-up) or "sms" (a later SMS on the supplier's modem)
    supplier: str  # supplier name ("" when not known)
    modem: str
    rule_pack: str  # the pack that should learn it
    order_id: int | None  # the order the attempt belonged to
    count: int = 1  # replies of this shape (the same words, any numbers) seen; the newest is shown


class _Packs:
    """Rule packs by name, loaded once per call; a pack that does not load recognises nothing."""

    def __init__(self) -> None:
        self._packs: dict[str, RulePack | None] = {}

    def reads(self, name: str, text: str) -> bool:
        if name not in self._packs:
            try:
                self._packs[name] = load_rule_pack(name)
            except (OSError, ValueError, KeyError) as exc:
                log.warning("rule pack %s does not load: %s", name, exc)
                self._packs[name] = None
        pack = self._packs[name]
        return pack is not None and pack.match(text).outcome is not Outcome.UNKNOWN


def _when(value) -> _dt.datetime | None:
    return InboundMessage.received_at.python_value(value) if value is not None else None


def _newest_attempt_id() -> int:
    row = sql.one("SELECT MAX(id) FROM attempt")
    return int(row[0]) if row and row[0] is not None else 0


def unrecognised_replies(limit: int = 100) -> list[UnrecognisedReply]:
    """The newest operator replies that no rule reads, newest first; one row per shape of reply (the
    same words with other numbers is the same lesson)."""
    packs = _Packs()
    by_modem: dict[str, tuple[str, str]] = {}  # modem -> (supplier, pack), the first active one with a pack
    for info in suppliers():
        if info.active and info.modem and info.rule_pack and info.modem not in by_modem:
            by_modem[info.modem] = (info.name, info.rule_pack)
    found: list[UnrecognisedReply] = []
    for _aid, response, at, order_id, name, config in sql.all_rows(
            "SELECT a.id, a.response, COALESCE(a.finished_at, a.started_at), a.order_id, s.name, s.config "
            "FROM attempt a LEFT JOIN supplier s ON s.id = a.supplier_id "
            "WHERE a.id > ? AND a.outcome = ? AND a.response <> '' ORDER BY a.id DESC",
            (_newest_attempt_id() - RECENT_ATTEMPTS, Outcome.UNKNOWN.value)):
        cfg = SupplierConfig.parse(config)
        pack = cfg.rule_pack
        unread = [p.strip() for p in str(response).split(RESPONSE_JOIN) if p.strip()]
        if pack:
            unread = [p for p in unread if not packs.reads(pack, p)]
        if unread:
            found.append(UnrecognisedReply(unread[-1], _when(at), "attempt", name or "", cfg.modem, pack,
                                           int(order_id)))
    for _mid, text, at, modem in sql.all_rows(
            "SELECT id, text, received_at, modem FROM inbound_message WHERE channel = ? ORDER BY id DESC LIMIT ?",
            ("operator", RECENT_SMS)):
        if modem not in by_modem or not str(text).strip():
            continue  # not a supplier's modem: not an answer to a top-up
        supplier, pack = by_modem[modem]
        if not packs.reads(pack, text):
            found.append(UnrecognisedReply(str(text).strip(), _when(at), "sms", supplier, modem, pack, None))
    found.sort(key=lambda r: r.at or _dt.datetime.min, reverse=True)
    seen: dict[str, int] = {}
    out: list[UnrecognisedReply] = []
    for reply in found:
        key = re.sub(r"\d+", "0", " ".join(reply.text.split())).casefold()  # one row per shape of reply
        if key in seen:
            index = seen[key]
            first = out[index]
            out[index] = UnrecognisedReply(first.text, first.at, first.source, first.supplier, first.modem,
                                           first.rule_pack, first.order_id, first.count + 1)
            continue
        if len(out) < limit:
            seen[key] = len(out)
            out.append(reply)
    return out
