"""`LINK.<kode>.<PIN>` (alias `TAUTKAN`): a reseller links the chat it writes from to its account.

Sent from a new Telegram chat or Jabber account, with the reseller's code and PIN, it adds the sender's
identity (the Telegram user ID, or the bare JID) to the reseller's addresses, as a paralel number;
from then on that chat orders with the reseller's balance. The PIN is checked like any other (a wrong
one counts towards the lock) and masked in storage. Answers: linked, already linked, taken by another
reseller, or, from SMS, that it only works from a chat. An unknown code is answered within the daily
allowance of replies to unknown senders.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from app.chat import addresses
from app.commands import types as t
from app.rows import ResellerRow
from storage import sql
from storage.models import Reseller, ResellerAddress

if TYPE_CHECKING:
    from app.handlers import Context

_SELECT = ", ".join(f"r.{k}" for k in ResellerRow.COLUMNS)


def _reseller_by_code(code: str) -> ResellerRow | None:
    row = sql.one(f"SELECT {_SELECT} FROM reseller r WHERE r.code = ?", (code.upper(),))
    if row is None:
        return None
    reseller = ResellerRow(*row)
    if reseller.locked_until is not None:
        reseller.locked_until = Reseller.locked_until.python_value(reseller.locked_until)
    return reseller


def link_chat(ctx: "Context", cmd: t.LinkChat) -> None:
    from app import handlers

    channel = ctx.inbound.channel
    if not addresses.is_chat(channel):
        ctx.reject("link_chat_only")
        return ctx.reply("link_chat_only")
    kind = addresses.kind_of(channel)
    try:
        address = addresses.normalize(kind, addresses.bare(ctx.inbound.sender) if kind == "jabber"
                                      else ctx.inbound.sender)
    except addresses.AddressError:
        ctx.reject("link_bad_address")
        return ctx.reply("link_chat_only")
    shown = addresses.show(kind, address)
    admin = ctx.service.settings.admin_contact
    if ctx.reseller is not None:  # this chat is already someone's
        if ctx.reseller.code == cmd.code:
            return ctx.reply("link_exists", alamat=shown, kode_reseller=cmd.code)
        ctx.reject("link_taken")
        return ctx.reply("link_taken", alamat=shown, kontak_admin=admin)
    target = _reseller_by_code(cmd.code)
    if target is None:
        ctx.reject("link_unknown")
        if handlers._within_allowance(ctx, ctx.service.settings.unknown_sender_replies_per_day):
            ctx.reply("link_unknown", kode=cmd.code)
        return None
    ctx.reseller = target
    if not target.active:
        ctx.reject("inactive")
        return ctx.reply("inactive", kode_reseller=target.code, kontak_admin=admin)
    if not ctx.service.verify_pin(ctx, cmd.pin):
        return None
    owner = (ResellerAddress.select(ResellerAddress.reseller)
             .where((ResellerAddress.channel == kind) & (ResellerAddress.address == address)).scalar())
    if owner is not None and owner != target.id:
        ctx.reject("link_taken")
        return ctx.reply("link_taken", alamat=shown, kontak_admin=admin)
    if owner is None:
        ResellerAddress.create(reseller=target.id, channel=kind, address=address, is_main=False, created_at=ctx.now)
        ctx.reply("link_ok", alamat=shown, kode_reseller=target.code)
    else:
        ctx.reply("link_exists", alamat=shown, kode_reseller=target.code)
