"""A virtual upstream server: a "chip all operator" seller that takes reseller-format SMS orders.

Our server buys from it like a reseller: it sends ``S10.081389092678.1234`` from a registered
number and gets an SMS back. The reply texts are the default reply templates of a server pulsa
(commands.md part 4), as another server running the same kind of software would send them.
"""
from __future__ import annotations

import random
import re
from collections import deque
from dataclasses import dataclass, field
from typing import Protocol

from . import numbers
from .templates import REASON_TEXTS, FailReason, dotted, now_wib

# product code letters → operator (the usual field spellings: S10, I10/IM10, X10/XL10, AX10, T10, SM10)
PRODUCT_OPERATORS = {
    "S": "TSEL", "SP": "TSEL", "AS": "TSEL", "A": "TSEL", "I": "ISAT", "IM": "ISAT", "X": "XL",
    "XL": "XL", "AX": "AXIS", "AXIS": "AXIS", "T": "TRI", "TR": "TRI", "SM": "SMART", "SF": "SMART",
}
_PRODUCT = re.compile(r"^([A-Z]+)(\d{1,4})$")

REPLY_OK = "TrxID {trxid}: {kode} ke {tujuan} SUKSES. SN:{sn}. Harga {harga}. Saldo {saldo} @{jam}"
REPLY_FAIL = "TrxID {trxid}: {kode} ke {tujuan} GAGAL. {alasan}. Saldo {saldo_awal}+{harga}={saldo} @{jam}"
REPLY_PENDING = "TrxID {trxid}: {kode} ke {tujuan} masih diproses operator, hasil menyusul. Jangan kirim ulang."
REPLY_FORMAT = "Format salah. Contoh isi pulsa: S10.08123456789.PIN. Ketik FORMAT untuk bantuan."
REPLY_WRONG_PIN = "PIN salah. Sisa {n} kali percobaan."
REPLY_LOCKED = "PIN salah {max}x. Akun dikunci sampai {jam}."
REPLY_UNREGISTERED = "Nomor Anda belum terdaftar. Hubungi {kontak_admin}."
REPLY_UNKNOWN_PRODUCT = "Kode {kode} tidak dikenal. Ketik HARGA.PIN untuk daftar kode."
REPLY_BAD_DEST = "Nomor tujuan {tujuan} salah atau tidak dikenal."
REPLY_WRONG_PREFIX = "Nomor {tujuan} adalah nomor {operator_tujuan}, bukan {operator_produk}. Periksa kode produk."
REPLY_NO_BALANCE = "Saldo tidak cukup. {kode} harga {harga}, saldo Anda {saldo}."
REPLY_BALANCE = "Saldo {kode_reseller}: {saldo}. Dalam proses: {saldo_proses}. @{jam}"
# the same order text again from the same account the same day: the earlier order's status, never a
# second top-up (commands.md 3.3: "the same order ... the reply repeats its status")
REPLY_STATUS = "{kode} ke {tujuan} jam {jam}: {status}. SN:{sn}"
STATUS_WORDS = {"PROSES": "Proses", "SUKSES": "Sukses", "GAGAL": "Gagal"}


class UpstreamHooks(Protocol):
    def subscriber(self, national: str): ...
    def defer(self, delay: float, kind: str, **data: object) -> None: ...
    def route_sms(self, sender: str, to: str, text: str) -> bool: ...


@dataclass
class UpstreamAccount:
    msisdn: str
    pin: str
    balance: int
    code: str
    wrong_pins: int = 0
    locked: bool = False
    held: int = 0

    def as_dict(self) -> dict:
        return {"msisdn": self.msisdn, "code": self.code, "balance": self.balance,
                "locked": self.locked, "held": self.held}


@dataclass
class UpstreamSettings:
    delay: float = 2.0
    markup: int = 150
    failure_rate: float = 0.0
    pending_rate: float = 0.0
    pending_delay: float = 10.0
    out_of_stock: list[str] = field(default_factory=list)  # operator ids it cannot sell now

    FIELDS = ("delay", "markup", "failure_rate", "pending_rate", "pending_delay", "out_of_stock")

    def update(self, values: dict) -> None:
        for key, value in values.items():
            if key not in self.FIELDS:
                raise ValueError(f"unknown upstream setting {key!r}")
            if key == "out_of_stock":
                value = [str(v).upper() for v in value]
            elif key == "markup":
                value = int(value)
            else:
                value = float(value)
                if value < 0 or (key.endswith("_rate") and value > 1):
                    raise ValueError(f"{key} out of range")
            setattr(self, key, value)

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.FIELDS}


class UpstreamServer:
    def __init__(self, id: str, msisdn: str, settings: UpstreamSettings, accounts: list[UpstreamAccount],
                 rng: random.Random, hooks: UpstreamHooks, name: str = "") -> None:
        self.id = id
        self.msisdn = msisdn
        self.name = name or id
        self.settings = settings
        self.accounts = {a.msisdn: a for a in accounts}
        self.rng = rng
        self.hooks = hooks
        self.forced: deque[str] = deque()
        # every order taken; keys starting with "_" are the server's own notes (the outcome it will give)
        self.orders: list[dict] = []
        self.trx_counter = rng.randrange(1_000_000, 9_000_000)

    def public_orders(self, last: int | None = None) -> list[dict]:
        chosen = self.orders if last is None else self.orders[-last:]
        return [{k: v for k, v in o.items() if not k.startswith("_")} for o in chosen]

    def as_dict(self) -> dict:
        return {"id": self.id, "msisdn": self.msisdn, "name": self.name,
                "settings": self.settings.as_dict(),
                "accounts": [a.as_dict() for a in self.accounts.values()],
                "forced_outcomes": list(self.forced), "orders": self.public_orders(50),
                "order_count": len(self.orders)}

    def receive(self, sender: str, text: str) -> None:
        self.hooks.defer(self.settings.delay, "upstream_order", upstream=self.id, sender=sender, text=text)

    def _reply(self, to: str, text: str) -> None:
        self.hooks.route_sms(self.msisdn, to, text)

    def _order(self, trxid: str) -> dict:
        return next(o for o in reversed(self.orders) if o["trxid"] == trxid)

    def handle(self, sender: str, text: str) -> None:
        """An SMS to the server, once its processing delay has passed."""
        jam = now_wib().strftime("%H:%M")
        acct = self.accounts.get(sender)
        if acct is None:
            self._reply(sender, REPLY_UNREGISTERED.format(kontak_admin=f"CS {self.name}"))
            return
        tokens = [t.strip() for t in text.strip().split(".")]
        if tokens and tokens[0].upper() == "I":
            tokens = tokens[1:]
        if len(tokens) == 2 and tokens[0].upper() in ("SAL", "SALDO", "CS", "CEKSALDO"):
            if self._pin(acct, tokens[1], sender):
                self._reply(sender, REPLY_BALANCE.format(kode_reseller=acct.code, saldo=dotted(acct.balance),
                                                         saldo_proses=dotted(acct.held), jam=jam))
            return
        if len(tokens) != 3 or not _PRODUCT.match(tokens[0].upper()):
            self._reply(sender, REPLY_FORMAT)
            return
        kode, dest_raw, pin = tokens[0].upper(), tokens[1], tokens[2]
        if not self._pin(acct, pin, sender):
            return
        same_text = " ".join(text.split()).upper()
        today = now_wib().strftime("%Y-%m-%d")
        earlier = next((o for o in reversed(self.orders) if o["from"] == sender and o.get("_text") == same_text
                        and o.get("_day") == today and o["status"] != "GAGAL"), None)  # a failure frees it
        if earlier is not None:
            self._reply(sender, REPLY_STATUS.format(kode=earlier["kode"], tujuan=earlier["dest"],
                                                    jam=earlier.get("_jam", jam),
                                                    status=STATUS_WORDS.get(earlier["status"], earlier["status"]),
                                                    sn=earlier.get("sn") or "-"))
            return
        letters, nominal = _PRODUCT.match(kode).groups()  # type: ignore[union-attr]
        op = PRODUCT_OPERATORS.get(letters)
        if op is None:
            self._reply(sender, REPLY_UNKNOWN_PRODUCT.format(kode=kode))
            return
        dest = numbers.try_normalize(dest_raw)
        if dest is None or not numbers.is_mobile(dest) or numbers.operator_of(dest) is None:
            self._reply(sender, REPLY_BAD_DEST.format(tujuan=dest_raw))
            return
        if numbers.operator_of(dest) != op:
            self._reply(sender, REPLY_WRONG_PREFIX.format(tujuan=dest, operator_tujuan=numbers.operator_of(dest),
                                                          operator_produk=op))
            return
        amount = int(nominal) * 1000
        price = amount + self.settings.markup
        if acct.balance < price:
            self._reply(sender, REPLY_NO_BALANCE.format(kode=kode, harga=dotted(price), saldo=dotted(acct.balance)))
            return
        saldo_awal = acct.balance
        acct.balance -= price
        self.trx_counter += 1
        trxid = str(self.trx_counter)
        order = {"trxid": trxid, "from": sender, "kode": kode, "dest": dest, "price": price, "status": "PROSES",
                 "_amount": amount, "_saldo_awal": saldo_awal, "_text": same_text, "_day": today, "_jam": jam}
        self.orders.append(order)
        forced = self.forced.popleft() if self.forced else None
        if forced is None and self.settings.pending_rate and self.rng.random() < self.settings.pending_rate:
            forced = "pending"
        reason = None
        if forced and forced.startswith("fail"):
            reason = forced.partition(":")[2] or "PRODUCT_DISRUPTED"
        elif op in self.settings.out_of_stock:
            reason = "OUT_OF_STOCK"
        elif forced != "ok" and self.settings.failure_rate and self.rng.random() < self.settings.failure_rate:
            reason = "PRODUCT_DISRUPTED"
        order["_reason"] = reason
        if forced == "pending":
            acct.held += price
            self._reply(sender, REPLY_PENDING.format(trxid=trxid, kode=kode, tujuan=dest))
            self.hooks.defer(self.settings.pending_delay, "upstream_release", upstream=self.id, trxid=trxid)
        else:
            self.settle(trxid)

    def release(self, trxid: str) -> None:
        """A pending order's result is due: the money held for it is spent or returned."""
        order = self._order(trxid)
        self.accounts[order["from"]].held -= order["price"]
        self.settle(trxid)

    def settle(self, trxid: str) -> None:
        order = self._order(trxid)
        sender, kode, dest, price = order["from"], order["kode"], order["dest"], order["price"]
        reason = order["_reason"]
        acct = self.accounts[sender]
        jam_now = now_wib().strftime("%H:%M")
        if reason is None:
            sn = "".join(self.rng.choice("0123456789") for _ in range(20))
            self.hooks.subscriber(dest).credit(order["_amount"], source=f"upstream:{self.id}", sn=sn)
            order.update(status="SUKSES", sn=sn)
            self._reply(sender, REPLY_OK.format(trxid=trxid, kode=kode, tujuan=dest, sn=sn,
                                                harga=dotted(price), saldo=dotted(acct.balance), jam=jam_now))
        else:
            acct.balance += price
            order.update(status="GAGAL", reason=reason)
            alasan = REASON_TEXTS.get(FailReason(reason), reason) if reason in FailReason.__members__ else reason
            self._reply(sender, REPLY_FAIL.format(trxid=trxid, kode=kode, tujuan=dest, alasan=alasan,
                                                  saldo_awal=dotted(order["_saldo_awal"] - price), harga=dotted(price),
                                                  saldo=dotted(acct.balance), jam=jam_now))

    def _pin(self, acct: UpstreamAccount, pin: str, sender: str) -> bool:
        if not acct.locked and pin == acct.pin:
            acct.wrong_pins = 0
            return True
        acct.wrong_pins += 1
        if acct.wrong_pins >= 3:
            acct.locked = True
            jam = now_wib().strftime("%H:%M")
            self._reply(sender, REPLY_LOCKED.format(max=3, jam=jam))
        else:
            self._reply(sender, REPLY_WRONG_PIN.format(n=3 - acct.wrong_pins))
        return False
