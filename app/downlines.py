"""What an upline may do about its own downlines by SMS (docs/commission.md): find one by code or phone,
list them, set the markup they pay on its price, block and unblock them. Only direct downlines, never
anyone else's; every change is one transaction with an audit row (actor: the upline's code)."""
from __future__ import annotations

import datetime as _dt
import enum
from dataclasses import dataclass

from app.phone import normalize_msisdn
from storage import sql
from storage.models import AuditLog, ProductMarkup, Reseller, ResellerAddress, database_proxy as db

# audit actions on a downline: the upline's block may be lifted by the upline, the owner's only by the owner
UPLINE_BLOCK, UPLINE_UNBLOCK = "downline_block", "downline_unblock"
_BLOCK_ACTIONS = ("reseller_block", "reseller_unblock", UPLINE_BLOCK, UPLINE_UNBLOCK)


def own_downline(upline_id: int, ref: str) -> Reseller | None:
    """The upline's direct downline with this code or registered phone number; None for anyone else."""
    phone = normalize_msisdn(ref)
    if phone:
        addr = ResellerAddress.get_or_none((ResellerAddress.channel == "sms") & (ResellerAddress.address == phone))
        if addr is None:
            return None
        return Reseller.get_or_none((Reseller.id == addr.reseller_id) & (Reseller.parent == upline_id))
    return Reseller.get_or_none((Reseller.code == ref.strip().upper()) & (Reseller.parent == upline_id))


@dataclass(frozen=True)
class DownlineRow:
    id: int
    code: str
    name: str
    balance: int
    active: bool


def downlines(upline_id: int) -> list[DownlineRow]:
    """The upline's direct downlines, by code."""
    return [DownlineRow(int(i), code, name, int(balance), bool(active)) for i, code, name, balance, active in
            sql.all_rows("SELECT id, code, name, balance, active FROM reseller WHERE parent_id = ? ORDER BY code",
                         (upline_id,))]


def set_markup(upline_id: int, amount: int, *, actor: str, now: _dt.datetime, downline_id: int | None = None,
               product_id: int | None = None) -> int:
    """Set what one downline (or all the upline's direct downlines) pays over its price group, for one
    product or for all (which drops the per-product markups). Returns how many downlines it changed."""
    if not isinstance(amount, int) or amount < 0:
        raise ValueError("a markup is a whole number of rupiah, 0 or more")
    with db.atomic():
        if downline_id is None:
            targets = [d.id for d in downlines(upline_id)]
        else:
            targets = [downline_id] if own(upline_id, downline_id) else []
        if not targets:
            return 0
        if product_id is None:
            Reseller.update(markup=amount).where(Reseller.id.in_(targets)).execute()
            ProductMarkup.delete().where(ProductMarkup.reseller.in_(targets)).execute()
        else:
            ProductMarkup.insert_many([{"reseller": t, "product": product_id, "amount": amount} for t in targets]
                                      ).on_conflict(conflict_target=[ProductMarkup.reseller, ProductMarkup.product],
                                                    preserve=[ProductMarkup.amount]).execute()
        AuditLog.create(at=now, actor=actor[:50], action="downline_markup", target=f"reseller:{upline_id}",
                        detail=f"downline={'semua' if downline_id is None else downline_id} "
                               f"product={'semua' if product_id is None else product_id} markup={amount}")
    return len(targets)


def own(upline_id: int, downline_id: int) -> bool:
    return sql.one("SELECT 1 FROM reseller WHERE id = ? AND parent_id = ?", (downline_id, upline_id)) is not None


class BlockResult(str, enum.Enum):
    DONE = "done"  # changed now
    ALREADY = "already"  # it already was so
    BY_OWNER = "by_owner"  # blocked by the shop owner: only the owner may unblock it


def set_blocked(upline_id: int, downline_id: int, blocked: bool, *, actor: str, now: _dt.datetime) -> BlockResult:
    """Block or unblock one's own downline (its orders are refused as inactive while blocked). A block
    the owner made (or any block not made by this upline) is never lifted here."""
    with db.atomic():
        row = sql.one("SELECT active FROM reseller WHERE id = ? AND parent_id = ?", (downline_id, upline_id))
        if row is None:
            raise LookupError(f"reseller {downline_id} is not a downline of {upline_id}")
        active = bool(row[0])
        if active == (not blocked):
            return BlockResult.ALREADY
        if not blocked:
            last = (AuditLog.select(AuditLog.action, AuditLog.actor)
                    .where((AuditLog.target == f"reseller:{downline_id}") & (AuditLog.action.in_(_BLOCK_ACTIONS)))
                    .order_by(AuditLog.id.desc()).first())
            if last is None or last.action != UPLINE_BLOCK or last.actor != actor[:50]:
                return BlockResult.BY_OWNER
        changed = sql.execute("UPDATE reseller SET active = ? WHERE id = ? AND active = ?",
                              (not blocked, downline_id, active)).rowcount
        if changed != 1:
            return BlockResult.ALREADY
        AuditLog.create(at=now, actor=actor[:50], action=UPLINE_BLOCK if blocked else UPLINE_UNBLOCK,
                        target=f"reseller:{downline_id}", detail="lewat SMS")
    return BlockResult.DONE
