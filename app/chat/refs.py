"""`R#<ref>` in a chat order (h2h.md 9.4): the reseller's own reference for the order.

The parser takes the tag out of the text (`Parsed.chat_ref`). On a chat channel a top-up with a tag is
placed with `Order.ref_id` = the reference: the same reference again from the same reseller is answered
with that order's status and never makes a second order (the unique index on (reseller, ref_id), shared
with the H2H API's refIDs, is the backstop); a new reference is a new order, also for the same product
and number (the repeat rule counts it as the next one). Every reply to a tagged message, and every later
reply about its order, starts with the tag.
"""
from __future__ import annotations

import re

from app.chat.addresses import is_chat
from storage.models import Order

REF_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def ref_of(channel: str, chat_ref: str | None) -> str | None:
    """The tag of a message on `channel`, or None (no tag, or not a chat channel)."""
    if not chat_ref or not is_chat(channel):
        return None
    return chat_ref


def valid(ref: str) -> bool:
    return bool(REF_RE.match(ref))


def tagged(ref: str | None, text: str) -> str:
    if not ref or not valid(ref):
        return text
    tag = f"R#{ref}"
    return text if text.startswith(tag) else f"{tag} {text}"


def order_by_ref(reseller_id: int, ref: str) -> Order | None:
    return Order.get_or_none((Order.reseller == reseller_id) & (Order.ref_id == ref))
