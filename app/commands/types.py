"""What a reseller's message means: one dataclass per command type (see reference/commands.md)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TopUpItem:
    product: str  # product code (upper case) or the nominal token as written
    dest: str  # as written; normalised and checked when the order is placed
    counter: int | None = None  # explicit repeat counter
    repeat_next: bool = False  # `.RO` / bare `ULANG`: take the next free counter


@dataclass(frozen=True)
class TopUp:
    items: tuple[TopUpItem, ...]
    pin: str


@dataclass(frozen=True)
class Balance:
    pin: str
    downline: str | None = None


@dataclass(frozen=True)
class PriceList:
    filters: tuple[str, ...] = ()
    pin: str | None = None


@dataclass(frozen=True)
class ChangePin:
    pins: tuple[str, ...]  # two or three PINs, order resolved against the current one


@dataclass(frozen=True)
class Register:
    phone: str
    name: str
    pin: str
    city: str = ""
    markup: int = 0


@dataclass(frozen=True)
class Transfer:
    target: str
    amount: int
    pin: str
    counter: int | None = None


@dataclass(frozen=True)
class Pull:
    target: str
    amount: int
    pin: str


@dataclass(frozen=True)
class DepositTicket:
    amount: int
    bank: str | None = None
    pin: str | None = None


@dataclass(frozen=True)
class Recap:
    pin: str
    date: str = ""  # as written; resolved with app.commands.dates


@dataclass(frozen=True)
class Ledger:
    pin: str
    date: str = ""


@dataclass(frozen=True)
class Status:
    pin: str
    dest: str | None = None
    product: str | None = None
    date: str = ""


@dataclass(frozen=True)
class LastTransactions:
    pin: str


@dataclass(frozen=True)
class Complaint:
    text: str
    pin: str


@dataclass(frozen=True)
class AddParallel:
    channel: str  # sms, jabber, telegram, wa
    address: str
    pin: str


@dataclass(frozen=True)
class LinkChat:
    """`LINK.<kode>.<PIN>` from a new chat: this chat identity becomes one of the reseller's addresses."""
    code: str
    pin: str


@dataclass(frozen=True)
class RemoveParallel:
    channel: str
    address: str
    pin: str


@dataclass(frozen=True)
class CancelPending:
    dest: str
    pin: str
    product: str | None = None


@dataclass(frozen=True)
class Help:
    topic: str = ""


@dataclass(frozen=True)
class ProductInfo:
    operator: str | None = None
    pin: str | None = None
    empty_only: bool = False


@dataclass(frozen=True)
class CenterInfo:
    pass


@dataclass(frozen=True)
class BankInfo:
    pass


@dataclass(frozen=True)
class Markup:
    amount: int
    pin: str
    downline: str | None = None
    product: str | None = None


@dataclass(frozen=True)
class DownlineList:
    pin: str


@dataclass(frozen=True)
class DownlineBalance:
    downline: str
    pin: str


@dataclass(frozen=True)
class DownlineBlock:
    downline: str
    pin: str
    block: bool = True


@dataclass(frozen=True)
class Commission:
    pin: str
    redeem: bool = False  # TUKAR: credit the accrued commission now; KOMISI only asks


# BadFormat.detail of a message written with digits other than 0-9 ("٠٨١٢…", "０８１２…"): it gets its own reply
NON_ASCII_DIGITS = "non-ASCII digits"


@dataclass(frozen=True)
class BadFormat:
    """Not understood. `hint` names the command whose format to show ("topup", "transfer", …)."""

    hint: str = "topup"
    detail: str = ""


Command = (
    TopUp | Balance | PriceList | ChangePin | Register | Transfer | Pull | DepositTicket | Recap
    | Ledger | Status | LastTransactions | Complaint | AddParallel | RemoveParallel | CancelPending
    | Help | ProductInfo | CenterInfo | BankInfo | Markup | DownlineList | DownlineBalance
    | DownlineBlock | Commission | LinkChat | BadFormat
)


@dataclass(frozen=True)
class Parsed:
    """A parse result plus what the stored copy of the message must hide."""

    command: Command
    normalized: str  # the normalised text, PINs included (never stored as is)
    secrets: tuple[str, ...] = field(default=())  # tokens to mask in stored text and logs
    chat_ref: str | None = None  # `R#ref` tag from chat H2H
