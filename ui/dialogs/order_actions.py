"""The owner's manual actions on one order — retry on a chosen route, force success with an SN, fail
and refund with a reason, resend the reply — each behind a confirmation dialog. Shared by every view
that offers them (Transaksi; Antrian can use the same).

    actions = OrderActions(ctx, view)
    actions.succeeded.connect(...)          # (order id, what happened) in the owner's words
    actions.ask(OrderAction.RETRY, order_brief(order_id))

The engine carries each action out on this (the GUI/loop) thread and writes it to the order's audit
history with `ctx.actor`. A refusal (e.g. fail and refund while the order is at the operator) is shown
in the dialog, which then stays open, and reported through `failed`.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from app.money import rupiah
from app.queries.order_actions import OrderAction, OrderBrief, available_actions, route_choices
from ui import guard
from ui.dialogs.confirm import ConfirmDialog
from ui.i18n import add_english, tr
from ui.labels import label

log = logging.getLogger(__name__)
C = "Tindakan pesanan"

# button and menu text, and the keyboard shortcut, of each action
ACTION_TEXT: dict[OrderAction, str] = {
    OrderAction.RETRY: "Ulangi…",
    OrderAction.FORCE_SUCCESS: "Paksa sukses…",
    OrderAction.FAIL_REFUND: "Gagalkan && kembalikan dana…",
    OrderAction.RESEND_REPLY: "Kirim ulang balasan…",
}
ACTION_KEYS: dict[OrderAction, str] = {
    OrderAction.RETRY: "Ctrl+R",
    OrderAction.FORCE_SUCCESS: "Ctrl+Shift+S",
    OrderAction.FAIL_REFUND: "Ctrl+Shift+G",
    OrderAction.RESEND_REPLY: "Ctrl+Shift+K",
}
# these move money (or may): behind the panel password when the owner set one
MONEY_ACTIONS = frozenset({OrderAction.RETRY, OrderAction.FORCE_SUCCESS, OrderAction.FAIL_REFUND})
AUTOMATIC = None  # the route choice "automatic": the engine's own route order


def action_text(action: OrderAction) -> str:
    return tr(C, ACTION_TEXT[action])


class OrderActions(QObject):
    succeeded = Signal(int, str)  # order id, what happened
    failed = Signal(int, str)  # order id, why it could not be done

    def __init__(self, ctx: Any, parent: QWidget):
        super().__init__(parent)
        self.ctx = ctx
        self._parent = parent
        self.dialog: ConfirmDialog | None = None  # the one open now (tests answer it)

    @staticmethod
    def available(order: OrderBrief | None) -> frozenset[OrderAction]:
        return available_actions(order) if order is not None else frozenset()

    def ask(self, action: OrderAction, order: OrderBrief | None) -> ConfirmDialog | None:
        """Open the confirmation for `action` on `order` (not modal-blocking); None when the action
        does not apply to the order as it is."""
        if order is None or action not in self.available(order):
            return None
        if action in MONEY_ACTIONS and not guard.owner_ok(self._parent, lambda: self.ask(action, order)):
            return None  # the panel password first (ui/guard.py); asked again after it
        build = {OrderAction.RETRY: self._retry, OrderAction.FORCE_SUCCESS: self._force_success,
                 OrderAction.FAIL_REFUND: self._fail_refund, OrderAction.RESEND_REPLY: self._resend}[action]
        if self.dialog is not None:  # one at a time; the previous one is done with
            self.dialog.close()
            self.dialog.deleteLater()
        self.dialog = build(order)
        self.dialog.open()
        return self.dialog

    # --- the four dialogs ----------------------------------------------------------------------

    @staticmethod
    def describe(order: OrderBrief) -> str:
        return tr(C, "TrxID {id}: {product} ke {dest} · {reseller} · {price} · {status}").format(
            id=order.id, product=order.product, dest=order.dest, reseller=order.reseller, price=rupiah(order.price),
            status=label("status", order.status))

    def _run(self, order: OrderBrief, work: Callable[[ConfirmDialog], str]) -> Callable[[ConfirmDialog], None]:
        """The dialog's OK: do the work; report success or the engine's refusal (re-raised, so the
        dialog shows it and stays open)."""
        def action(dialog: ConfirmDialog) -> None:
            try:
                done = work(dialog)
            except Exception as exc:
                self.failed.emit(order.id, str(exc))
                raise
            self.succeeded.emit(order.id, done)
        return action

    def route_options(self, order: OrderBrief) -> list[tuple[str, int | None]]:
        options: list[tuple[str, int | None]] = [(tr(C, "Otomatis (urutan rute)"), AUTOMATIC)]
        for route in route_choices(order.product_id):
            live = self.ctx.engine.suppliers.get(route.supplier_id)
            state = tr(C, "online") if live is not None and live.online else tr(C, "offline")
            options.append((tr(C, "{name} · prioritas {priority} · {state}").format(
                name=route.supplier, priority=route.priority, state=state), route.supplier_id))
        return options

    def _retry(self, order: OrderBrief) -> ConfirmDialog:
        if order.refunded:
            warning = tr(C, "Pesanan ini sudah gagal dan dananya sudah dikembalikan: harga {price} dipotong lagi "
                            "dari saldo reseller sebelum dikirim ulang.").format(price=rupiah(order.price))
        else:
            warning = tr(C, "Pastikan pesanan ini BELUM masuk ke nomor tujuan (cek riwayat chip), supaya tidak "
                            "terkirim dua kali. Dana yang tertahan dipakai lagi; saldo tidak dipotong lagi.")
        options = self.route_options(order)

        def work(dialog: ConfirmDialog) -> str:
            supplier_id = dialog.value("route")
            self.ctx.engine.retry(order.id, supplier_id, self.ctx.actor)
            route = next((text for text, sid in options if sid == supplier_id), "")
            return tr(C, "TrxID {id} diulang ({route}).").format(id=order.id, route=route)
        dialog = ConfirmDialog(tr(C, "Ulangi pesanan"), f"{self.describe(order)}\n\n{warning}",
                               self._run(order, work), self._parent, ok_text=tr(C, "Ulangi"),
                               destructive=order.refunded)
        dialog.add_choice("route", tr(C, "Rute"), options)
        return dialog

    def _force_success(self, order: OrderBrief) -> ConfirmDialog:
        text = tr(C, "Tandai sukses dengan SN dari operator. Reseller menerima balasan sukses.")
        if order.refunded:
            text += "\n" + tr(C, "Dana pesanan ini sudah dikembalikan; saldo reseller dipotong lagi {price}.").format(
                price=rupiah(order.price))

        def work(dialog: ConfirmDialog) -> str:
            sn = dialog.value("sn")
            self.ctx.engine.force_success(order.id, sn, self.ctx.actor)
            return tr(C, "TrxID {id} ditandai sukses dengan SN {sn}.").format(id=order.id, sn=sn)
        dialog = ConfirmDialog(tr(C, "Paksa sukses"), f"{self.describe(order)}\n\n{text}", self._run(order, work),
                               self._parent, ok_text=tr(C, "Tandai sukses"))
        dialog.add_text("sn", tr(C, "SN"), required=True, placeholder=tr(C, "nomor seri dari operator"))
        return dialog

    def _fail_refund(self, order: OrderBrief) -> ConfirmDialog:
        text = tr(C, "Pesanan digagalkan dan {price} dikembalikan ke saldo reseller. Reseller menerima balasan "
                     "gagal dengan alasan ini.").format(price=rupiah(order.price))

        def work(dialog: ConfirmDialog) -> str:
            reason = dialog.value("reason")
            self.ctx.engine.fail_and_refund(order.id, reason, self.ctx.actor)
            return tr(C, "TrxID {id} digagalkan, {price} dikembalikan ke reseller.").format(
                id=order.id, price=rupiah(order.price))
        dialog = ConfirmDialog(tr(C, "Gagalkan dan kembalikan dana"), f"{self.describe(order)}\n\n{text}",
                               self._run(order, work), self._parent, ok_text=tr(C, "Gagalkan"), destructive=True)
        dialog.add_text("reason", tr(C, "Alasan"), required=True, placeholder=tr(C, "mis. nomor tujuan salah"))
        return dialog

    def _resend(self, order: OrderBrief) -> ConfirmDialog:
        def work(_dialog: ConfirmDialog) -> str:
            if self.ctx.engine.resend_reply(order.id, self.ctx.actor) is None:
                raise LookupError(tr(C, "pesanan ini belum punya balasan"))
            return tr(C, "Balasan TrxID {id} dikirim ulang.").format(id=order.id)
        return ConfirmDialog(tr(C, "Kirim ulang balasan"),
                             f"{self.describe(order)}\n\n" + tr(C, "Kirim lagi balasan terakhir pesanan ini ke "
                                                                   "reseller?"),
                             self._run(order, work), self._parent, ok_text=tr(C, "Kirim ulang"))


add_english(C, {
    "Ulangi…": "Retry…",
    "Paksa sukses…": "Force success…",
    "Gagalkan && kembalikan dana…": "Fail && refund…",
    "Kirim ulang balasan…": "Resend reply…",
    "TrxID {id}: {product} ke {dest} · {reseller} · {price} · {status}":
        "TrxID {id}: {product} to {dest} · {reseller} · {price} · {status}",
    "Otomatis (urutan rute)": "Automatic (route order)",
    "online": "online",
    "offline": "offline",
    "{name} · prioritas {priority} · {state}": "{name} · priority {priority} · {state}",
    "Pesanan ini sudah gagal dan dananya sudah dikembalikan: harga {price} dipotong lagi dari saldo reseller "
    "sebelum dikirim ulang.":
        "This order failed and was refunded: its price of {price} is charged to the reseller again before it "
        "is resent.",
    "Pastikan pesanan ini BELUM masuk ke nomor tujuan (cek riwayat chip), supaya tidak terkirim dua kali. "
    "Dana yang tertahan dipakai lagi; saldo tidak dipotong lagi.":
        "Make sure this order did NOT reach the destination (check the chip's history), so it is not sent twice. "
        "The money already held is used; nothing more is charged.",
    "TrxID {id} diulang ({route}).": "TrxID {id} retried ({route}).",
    "Ulangi pesanan": "Retry order",
    "Ulangi": "Retry",
    "Rute": "Route",
    "Tandai sukses dengan SN dari operator. Reseller menerima balasan sukses.":
        "Mark as successful with the operator's SN. The reseller gets a success reply.",
    "Dana pesanan ini sudah dikembalikan; saldo reseller dipotong lagi {price}.":
        "This order was refunded; {price} is charged to the reseller again.",
    "TrxID {id} ditandai sukses dengan SN {sn}.": "TrxID {id} marked successful with SN {sn}.",
    "Paksa sukses": "Force success",
    "Tandai sukses": "Mark successful",
    "SN": "SN",
    "nomor seri dari operator": "serial number from the operator",
    "Pesanan digagalkan dan {price} dikembalikan ke saldo reseller. Reseller menerima balasan gagal dengan "
    "alasan ini.":
        "The order fails and {price} goes back to the reseller's balance. The reseller gets a failure reply "
        "with this reason.",
    "TrxID {id} digagalkan, {price} dikembalikan ke reseller.": "TrxID {id} failed, {price} refunded to the reseller.",
    "Gagalkan dan kembalikan dana": "Fail and refund",
    "Gagalkan": "Fail it",
    "Alasan": "Reason",
    "mis. nomor tujuan salah": "e.g. wrong destination number",
    "pesanan ini belum punya balasan": "this order has no reply yet",
    "Balasan TrxID {id} dikirim ulang.": "Reply of TrxID {id} resent.",
    "Kirim ulang balasan": "Resend reply",
    "Kirim lagi balasan terakhir pesanan ini ke reseller?": "Send this order's last reply to the reseller again?",
    "Kirim ulang": "Resend",
})
