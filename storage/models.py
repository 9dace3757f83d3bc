"""peewee models. Every model binds to `database_proxy`, initialised by `storage.db.open_database`.

Money columns are integer rupiah. Times are naive local datetimes (the shop runs in one time zone,
and Indonesian resellers read "jam 14:05" in local time).
"""
from __future__ import annotations

import datetime as _dt

import peewee as pw

database_proxy = pw.DatabaseProxy()


def now() -> _dt.datetime:
    return _dt.datetime.now()


class BaseModel(pw.Model):
    class Meta:
        database = database_proxy
        legacy_table_names = False


class SchemaVersion(BaseModel):
    version = pw.IntegerField()
    applied_at = pw.DateTimeField(default=now)


class Setting(BaseModel):
    key = pw.CharField(max_length=100, unique=True)
    value = pw.TextField()  # JSON


class PriceGroup(BaseModel):
    code = pw.CharField(max_length=20, unique=True)
    name = pw.CharField(max_length=100)


class Reseller(BaseModel):
    code = pw.CharField(max_length=20, unique=True)
    name = pw.CharField(max_length=100)
    city = pw.CharField(max_length=100, default="")
    price_group = pw.ForeignKeyField(PriceGroup, backref="resellers", on_delete="RESTRICT")
    parent = pw.ForeignKeyField("self", null=True, backref="downlines", on_delete="SET NULL")
    markup = pw.IntegerField(default=0)  # what the upline adds on its downlines' prices
    active = pw.BooleanField(default=True)
    balance = pw.BigIntegerField(default=0)
    credit_limit = pw.BigIntegerField(default=0)  # balance may go down to -credit_limit
    pin_hash = pw.CharField(max_length=128)
    pin_salt = pw.CharField(max_length=64)
    pin_failures = pw.IntegerField(default=0)
    locked_until = pw.DateTimeField(null=True)
    language = pw.CharField(max_length=5, default="id")
    created_at = pw.DateTimeField(default=now)


class ResellerAddress(BaseModel):
    """A phone number or chat ID from which a reseller may send orders ("paralel")."""

    reseller = pw.ForeignKeyField(Reseller, backref="addresses", on_delete="CASCADE")
    channel = pw.CharField(max_length=20)  # sms, telegram, jabber, wa
    address = pw.CharField(max_length=200)
    is_main = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=now)

    class Meta:
        indexes = ((("channel", "address"), True),)


class Product(BaseModel):
    code = pw.CharField(max_length=20, unique=True)
    name = pw.CharField(max_length=100)
    operator = pw.CharField(max_length=20, index=True)
    nominal = pw.IntegerField()  # face value in rupiah
    kind = pw.CharField(max_length=20, default="airtime")
    active = pw.BooleanField(default=True)
    default_for_nominal = pw.BooleanField(default=False)
    skip_prefix_check = pw.BooleanField(default=False)


class Price(BaseModel):
    product = pw.ForeignKeyField(Product, backref="prices", on_delete="CASCADE")
    price_group = pw.ForeignKeyField(PriceGroup, backref="prices", on_delete="CASCADE")
    sell = pw.BigIntegerField()

    class Meta:
        indexes = ((("product", "price_group"), True),)


class Modem(BaseModel):
    """A configured phone or USB modem: where it is plugged in and what it does."""

    name = pw.CharField(max_length=50, unique=True)
    port_url = pw.CharField(max_length=200)  # COM3, /dev/ttyUSB0, socket://host:port, rfc2217://host:port
    roles = pw.CharField(max_length=50, default="")  # comma separated: center, sender, chip
    active = pw.BooleanField(default=True)
    config = pw.TextField(default="{}")  # JSON: sms_per_minute, ussd mode, …
    imei = pw.CharField(max_length=20, default="")
    iccid = pw.CharField(max_length=25, default="")
    created_at = pw.DateTimeField(default=now)


class Supplier(BaseModel):
    name = pw.CharField(max_length=100, unique=True)
    kind = pw.CharField(max_length=20)  # ussd_chip, sms_chip, sms_upstream, http
    config = pw.TextField(default="{}")  # JSON; secrets such as the chip PIN live here, never logged
    active = pw.BooleanField(default=True)
    stock = pw.BigIntegerField(null=True)  # the chip's own balance at the operator, when known
    low_stock = pw.BigIntegerField(default=0)  # warn below this
    stock_checked_at = pw.DateTimeField(null=True)


class Route(BaseModel):
    product = pw.ForeignKeyField(Product, backref="routes", on_delete="CASCADE")
    supplier = pw.ForeignKeyField(Supplier, backref="routes", on_delete="CASCADE")
    priority = pw.IntegerField(default=0)
    supplier_code = pw.CharField(max_length=50, default="")
    cost = pw.BigIntegerField(default=0)
    active = pw.BooleanField(default=True)


class InboundMessage(BaseModel):
    channel = pw.CharField(max_length=20)
    sender = pw.CharField(max_length=200, index=True)
    text = pw.TextField()  # PINs masked
    received_at = pw.DateTimeField(default=now, index=True)
    sent_at = pw.DateTimeField(null=True)  # SMSC timestamp, when the channel has one
    dedupe_key = pw.CharField(max_length=128, unique=True)
    modem = pw.CharField(max_length=100, default="")
    status = pw.CharField(max_length=20, default="received")  # received, processed, rejected
    reason = pw.CharField(max_length=100, default="")
    reseller = pw.ForeignKeyField(Reseller, null=True, backref="inbound", on_delete="SET NULL", index=False)
    norm_text = pw.CharField(max_length=64, default="", index=True)  # hash of the normalised text


class Order(BaseModel):
    # The composite indexes below cover reseller and inbound; every extra index costs each order a
    # page write at commit.
    reseller = pw.ForeignKeyField(Reseller, backref="orders", on_delete="RESTRICT", index=False)
    product = pw.ForeignKeyField(Product, backref="orders", on_delete="RESTRICT", index=False)
    dest = pw.CharField(max_length=32)
    counter = pw.IntegerField(default=1)
    price = pw.BigIntegerField()
    cost = pw.BigIntegerField(null=True)
    status = pw.CharField(max_length=12, default="queued", index=True)
    sn = pw.CharField(max_length=100, default="")
    fail_reason = pw.CharField(max_length=200, default="")
    channel = pw.CharField(max_length=20, default="sms")
    inbound = pw.ForeignKeyField(InboundMessage, null=True, backref="orders", on_delete="SET NULL", index=False)
    item_no = pw.IntegerField(default=0)  # position inside a multi-order message
    ref_id = pw.CharField(max_length=100, null=True)  # H2H buyer reference
    supplier = pw.ForeignKeyField(Supplier, null=True, backref="orders", on_delete="SET NULL")
    refunded = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=now, index=True)
    updated_at = pw.DateTimeField(default=now)
    sent_at = pw.DateTimeField(null=True)  # first handed to a chip or supplier
    finished_at = pw.DateTimeField(null=True)
    # the owner has looked at a suspect or failed order and acted (or marked it checked)
    reviewed_at = pw.DateTimeField(null=True)
    reviewed_by = pw.CharField(max_length=50, default="", constraints=[pw.SQL("DEFAULT ''")])  # raw INSERTs omit it

    class Meta:
        indexes = (
            (("inbound", "item_no"), True),
            (("reseller", "product", "dest", "created_at"), False),
        )


# An H2H buyer's refID is unique per buyer; SMS orders have none and stay out of the index.
Order.add_index(Order.index(Order.reseller, Order.ref_id, unique=True, where=Order.ref_id.is_null(False)))
# Duplicate-SN check at settlement and the log's SN filter (schema v5).
Order.add_index(Order.index(Order.sn, Order.status, name="order_sn_status"))
# "Perlu tindakan": failed orders the owner has not dealt with yet, a handful among millions (schema v6).
Order.add_index(Order.index(Order.id, name="order_needs_review",
                            where=(Order.status == "failed") & Order.reviewed_at.is_null()))


class LedgerEntry(BaseModel):
    reseller = pw.ForeignKeyField(Reseller, backref="ledger", on_delete="RESTRICT")
    delta = pw.BigIntegerField()
    balance_after = pw.BigIntegerField()
    kind = pw.CharField(max_length=20)
    order = pw.ForeignKeyField(Order, null=True, backref="ledger", on_delete="RESTRICT")
    counterpart = pw.ForeignKeyField(Reseller, null=True, on_delete="SET NULL", index=False)
    note = pw.CharField(max_length=200, default="")
    actor = pw.CharField(max_length=50, default="system")
    created_at = pw.DateTimeField(default=now)  # ledger rows are read per reseller, in id order


class OutboundMessage(BaseModel):
    channel = pw.CharField(max_length=20, default="sms")
    to = pw.CharField(max_length=200, index=True)
    text = pw.TextField()
    status = pw.CharField(max_length=12, default="queued", index=True)  # queued, sent, failed
    order = pw.ForeignKeyField(Order, null=True, backref="replies", on_delete="SET NULL")
    inbound = pw.ForeignKeyField(InboundMessage, null=True, backref="replies", on_delete="SET NULL")
    event = pw.CharField(max_length=40, default="")  # what the reply is about; unique per order
    modem = pw.CharField(max_length=100, default="")
    attempts = pw.IntegerField(default=0)
    created_at = pw.DateTimeField(default=now)
    sent_at = pw.DateTimeField(null=True)
    # "<modem>:<slot>,…" while in a modem's memory (store and send); a default in SQL too, for raw INSERTs
    stored = pw.CharField(max_length=200, default="", constraints=[pw.SQL("DEFAULT ''")])


# Replies in a modem's memory (store and send): a handful, looked for on every outbox round (schema v7).
OutboundMessage.add_index(OutboundMessage.index(OutboundMessage.id, name="outbound_message_stored",
                                                where=OutboundMessage.stored != ""))


class DepositTicket(BaseModel):
    reseller = pw.ForeignKeyField(Reseller, backref="tickets", on_delete="CASCADE")
    bank = pw.CharField(max_length=20)
    amount = pw.BigIntegerField()
    unique_amount = pw.BigIntegerField(index=True)
    status = pw.CharField(max_length=12, default="open")  # open, paid, expired, cancelled
    created_at = pw.DateTimeField(default=now)
    expires_at = pw.DateTimeField()
    paid_at = pw.DateTimeField(null=True)  # schema v8


# One open ticket per unique amount, so a transfer of that amount names one reseller (schema v8).
DepositTicket.add_index(DepositTicket.index(DepositTicket.unique_amount, unique=True,
                                            name="deposit_ticket_open_unique_amount",
                                            where=DepositTicket.status == "open"))


class BankLine(BaseModel):
    """One credit line of an imported bank statement (schema v8). The same line imported again has the
    same fingerprint and is not stored (nor credited) twice."""

    bank = pw.CharField(max_length=40)
    booked_on = pw.DateField()
    description = pw.CharField(max_length=300, default="")
    amount = pw.BigIntegerField()  # rupiah credited to the shop's account
    fingerprint = pw.CharField(max_length=64, unique=True)
    status = pw.CharField(max_length=12, default="unmatched")  # matched, assigned, unmatched, ignored
    ticket = pw.ForeignKeyField(DepositTicket, null=True, backref="bank_lines", on_delete="SET NULL")
    reseller = pw.ForeignKeyField(Reseller, null=True, backref="bank_lines", on_delete="SET NULL")
    ledger_entry_id = pw.BigIntegerField(null=True)  # the deposit's ledger row, once credited
    imported_at = pw.DateTimeField(default=now)
    decided_at = pw.DateTimeField(null=True)
    decided_by = pw.CharField(max_length=50, default="")


class StockEntry(BaseModel):
    """A chip's stock at the operator over time (schema v8): what the operator reported (`reading`, the
    balance itself) and what changed it besides sales (`received` stock, the owner's `adjust`ment),
    so a day's stock can be reconciled against the orders sold on the chip."""

    supplier = pw.ForeignKeyField(Supplier, backref="stock_entries", on_delete="CASCADE", index=False)
    at = pw.DateTimeField(default=now)
    kind = pw.CharField(max_length=12)  # reading, received, adjust
    amount = pw.BigIntegerField()  # reading: the balance; received/adjust: the change (rupiah)
    note = pw.CharField(max_length=200, default="")
    actor = pw.CharField(max_length=50, default="system")

    class Meta:
        indexes = ((("supplier", "at"), False),)


class ProductMarkup(BaseModel):
    """What an upline adds on one product for one of its downlines (schema v8), over the downline's
    `Reseller.markup` for all products (MARKUP.S10.100.PIN)."""

    reseller = pw.ForeignKeyField(Reseller, backref="product_markups", on_delete="CASCADE", index=False)
    product = pw.ForeignKeyField(Product, on_delete="CASCADE")
    amount = pw.IntegerField()

    class Meta:
        indexes = ((("reseller", "product"), True),)


class Commission(BaseModel):
    """What an upline earns on one successful order of its downline (schema v8): the difference between
    the downline's price and its own. At most one row per order and upline."""

    order = pw.ForeignKeyField(Order, backref="commissions", on_delete="CASCADE", index=False)
    upline = pw.ForeignKeyField(Reseller, backref="commissions_earned", on_delete="CASCADE")
    downline = pw.ForeignKeyField(Reseller, on_delete="CASCADE", index=False)
    amount = pw.BigIntegerField()
    created_at = pw.DateTimeField(default=now, index=True)  # a month's commissions for the window
    credited_at = pw.DateTimeField(null=True)  # through the ledger; None while accrued (daily mode)
    reversed = pw.BooleanField(default=False)  # the order was refunded after success

    class Meta:
        indexes = ((("order", "upline"), True),)


# Accrued commissions waiting to be credited: a handful among all ever earned (app/commission.credit_due).
Commission.add_index(Commission.index(Commission.upline, Commission.created_at, name="commission_uncredited",
                                      where=Commission.credited_at.is_null()))


class Complaint(BaseModel):
    reseller = pw.ForeignKeyField(Reseller, backref="complaints", on_delete="CASCADE")
    text = pw.TextField()
    order = pw.ForeignKeyField(Order, null=True, on_delete="SET NULL")
    status = pw.CharField(max_length=12, default="open")
    created_at = pw.DateTimeField(default=now)


class Attempt(BaseModel):
    """One try of an order on one supplier, with the operator's raw answer (disputes need it)."""

    order = pw.ForeignKeyField(Order, backref="attempts", on_delete="CASCADE")
    supplier = pw.ForeignKeyField(Supplier, null=True, backref="attempts", on_delete="SET NULL")
    started_at = pw.DateTimeField(default=now)
    finished_at = pw.DateTimeField(null=True)
    request = pw.CharField(max_length=200, default="")  # chip PIN masked
    response = pw.TextField(default="")
    outcome = pw.CharField(max_length=12, default="")  # success, failed, pending, unknown
    sn = pw.CharField(max_length=100, default="")
    trxid = pw.CharField(max_length=50, default="")
    reason = pw.CharField(max_length=200, default="")


# A chip's attempts of one day, for its stock books (app/stock_books.py, schema v8). Both columns are set
# once, at insert; without it a day's reconciliation reads every attempt the chip ever made.
Attempt.add_index(Attempt.index(Attempt.supplier, Attempt.started_at, name="attempt_supplier_id_started_at"))


class H2HMember(BaseModel):
    """A reseller that buyer servers may order for over HTTP (schema v8): its member ID is the reseller's
    code. The secrets are sealed with the key file (app/keyfile.py), never stored in clear."""

    reseller = pw.ForeignKeyField(Reseller, backref="h2h", on_delete="CASCADE", unique=True)
    password = pw.CharField(max_length=300, default="")  # sealed
    api_secret = pw.CharField(max_length=300, default="")  # sealed; empty: the password signs JSON requests
    pin = pw.CharField(max_length=300, default="")  # sealed copy of the reseller's PIN: the OtomaX sign needs it
    allowed_ips = pw.TextField(default="")  # one address or network a line
    callback_url = pw.CharField(max_length=500, default="")
    callback_form = pw.CharField(max_length=10, default="otomax")  # otomax, st24, json
    plain_pin = pw.BooleanField(default=False)  # `pin` + `password` in the query string allowed
    trust_ref_id = pw.BooleanField(default=False)  # a new refID is a new order: no repeat rule
    updated_at = pw.DateTimeField(default=now)

    class Meta:
        table_name = "h2h_member"


class H2HRejection(BaseModel):
    """A buyer's refID that was refused (schema v8): the same refID again gets the same refusal, never an
    order (h2h.md 7). Accepted refIDs are on their order (`Order.ref_id`)."""

    reseller = pw.ForeignKeyField(Reseller, on_delete="CASCADE", index=False)
    ref_id = pw.CharField(max_length=100)
    product = pw.CharField(max_length=40, default="")
    dest = pw.CharField(max_length=40, default="")
    counter = pw.IntegerField(null=True)
    reason = pw.CharField(max_length=40)  # reason code, e.g. INSUFFICIENT_BALANCE
    message = pw.CharField(max_length=300, default="")  # the reason as the buyer read it
    balance = pw.BigIntegerField(null=True)  # the member's balance then (None before it was identified)
    created_at = pw.DateTimeField(default=now)

    class Meta:
        table_name = "h2h_rejection"
        indexes = ((("reseller", "ref_id"), True),)


class H2HCallback(BaseModel):
    """A report of an H2H order's result to its buyer (schema v8), queued in the same transaction as the
    change it reports and retried on the schedule of h2h.md 9.2 until the buyer answers 2xx."""

    order = pw.ForeignKeyField(Order, backref="callbacks", on_delete="CASCADE")
    reseller = pw.ForeignKeyField(Reseller, on_delete="CASCADE", index=False)
    state = pw.CharField(max_length=12)  # what it reports: success, failed
    status = pw.CharField(max_length=12, default="queued")  # queued, delivered, failed
    attempts = pw.IntegerField(default=0)
    payload = pw.TextField(default="")  # JSON: the message and the JSON body, fixed at the first try
    created_at = pw.DateTimeField(default=now)
    first_at = pw.DateTimeField(null=True)  # the first try; retries stop 24 h after it
    next_at = pw.DateTimeField(default=now)
    last_at = pw.DateTimeField(null=True)
    last_result = pw.CharField(max_length=200, default="")  # "HTTP 500", "timeout", …
    delivered_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "h2h_callback"
        indexes = ((("status", "next_at"), False),)


class ChatChannel(BaseModel):
    """A chat center (schema v9): a Telegram bot or a Jabber account that takes orders (app/chat).
    `config` is JSON; its token or password is sealed with the key file (app/keyfile.py)."""

    name = pw.CharField(max_length=50, unique=True)
    kind = pw.CharField(max_length=20)  # telegram, jabber
    config = pw.TextField(default="{}")
    active = pw.BooleanField(default=True)
    updated_at = pw.DateTimeField(default=now)

    class Meta:
        table_name = "chat_channel"


class AuditLog(BaseModel):
    at = pw.DateTimeField(default=now, index=True)
    actor = pw.CharField(max_length=50)
    action = pw.CharField(max_length=50)
    target = pw.CharField(max_length=100, default="", index=True)
    detail = pw.TextField(default="")


ALL_MODELS: list[type[BaseModel]] = [
    SchemaVersion, Setting, PriceGroup, Reseller, ResellerAddress, Product, Price, Modem, Supplier, Route,
    InboundMessage, Order, LedgerEntry, OutboundMessage, DepositTicket, Complaint, Attempt, AuditLog,
    BankLine, StockEntry, ProductMarkup, Commission, H2HMember, H2HRejection, H2HCallback, ChatChannel,
]
