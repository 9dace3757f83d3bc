"""The owner adds and removes resellers' chat identities (`reseller set CODE --add-address tg:…`, the
reseller dialog of the window). Stored like paralel numbers (app/chat/addresses.py); an identity is one
reseller's at most; each change is in the audit log."""
from __future__ import annotations

import datetime as _dt

from app.chat import addresses
from storage.models import AuditLog, Reseller, ResellerAddress, database_proxy as db


class IdentityError(ValueError):
    pass


def _reseller(code: str) -> Reseller:
    row = Reseller.get_or_none(Reseller.code == code.strip().upper())
    if row is None:
        raise IdentityError(f"Reseller {code!r} tidak ditemukan")
    return row


def _parse(text: str) -> tuple[str, str]:
    try:
        return addresses.parse(text)
    except addresses.AddressError as exc:
        raise IdentityError(str(exc)) from None


def add(code: str, text: str, *, actor: str, now: _dt.datetime | None = None) -> str:
    """Add `tg:…`/`xmpp:…` to the reseller; returns it as shown. Adding it again changes nothing."""
    kind, address = _parse(text)
    with db.atomic():
        reseller = _reseller(code)
        owner = (ResellerAddress.select(ResellerAddress.reseller)
                 .where((ResellerAddress.channel == kind) & (ResellerAddress.address == address)).scalar())
        if owner is not None and owner != reseller.id:
            raise IdentityError(f"{addresses.show(kind, address)} sudah dipakai reseller "
                                f"{Reseller.get_by_id(owner).code}")
        if owner is None:
            ResellerAddress.create(reseller=reseller.id, channel=kind, address=address, is_main=False)
            AuditLog.create(at=now or _dt.datetime.now(), actor=actor[:50], action="chat_address_add",
                            target=f"reseller:{reseller.id}", detail=addresses.show(kind, address))
    return addresses.show(kind, address)


def remove(code: str, text: str, *, actor: str, now: _dt.datetime | None = None) -> bool:
    kind, address = _parse(text)
    with db.atomic():
        reseller = _reseller(code)
        gone = (ResellerAddress.delete().where((ResellerAddress.reseller == reseller.id)
                                               & (ResellerAddress.channel == kind)
                                               & (ResellerAddress.address == address)).execute())
        if gone:
            AuditLog.create(at=now or _dt.datetime.now(), actor=actor[:50], action="chat_address_remove",
                            target=f"reseller:{reseller.id}", detail=addresses.show(kind, address))
    return bool(gone)


def of(code: str) -> list[str]:
    """The reseller's chat identities, as shown (`tg:…`, `xmpp:…`)."""
    reseller = _reseller(code)
    rows = (ResellerAddress.select(ResellerAddress.channel, ResellerAddress.address)
            .where((ResellerAddress.reseller == reseller.id)
                   & (ResellerAddress.channel.in_(sorted(addresses.CHAT_KINDS))))
            .order_by(ResellerAddress.id).tuples())
    return [addresses.show(kind, address) for kind, address in rows]
