"""What the `supplier` table's JSON column holds, typed: the modem a supplier runs on, its chip PIN, its
request templates and rule pack, the upstream's number. Nothing else reads or writes that JSON, so the
way a secret such as the chip PIN is kept can change in this one place: it is stored sealed with the
shop's key file (app/keyfile.py, "enc:v1:…"), never in clear; a clear PIN written by an older version
is still read, and sealed the next time the config is saved (`seal_stored_pins` does that for every
supplier at start-up)."""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from app import keyfile
from storage.models import Supplier, database_proxy as db

# what the owner edits in the suppliers view (the PIN has its own field and is never read back)
SECRET_KEYS = ("pin", "password")  # sealed at rest, never shown
TEMPLATE_KEYS = ("topup", "balance", "history", "menu", "to", "rule_pack", "ussd_timeout")


@dataclass
class SupplierConfig:
    modem: str = ""  # the modem (by name) it runs on
    operator: str = ""  # a chip's operator (TSEL, ISAT, …)
    pin: str = ""  # the chip PIN, or our PIN at the upstream; never shown or logged
    rule_pack: str = ""
    topup: str = ""  # request template: a USSD code or an SMS text
    balance: str = ""  # stock check template
    history: str = ""  # last-transactions template (reconciliation)
    menu: tuple[str, ...] = ()  # answers to a USSD menu, in order
    region: tuple[str, ...] = ()  # destination prefixes a regional chip may serve
    to: str = ""  # an SMS supplier's number
    ussd_timeout: float = 30.0
    # an upstream that answers the same order text sent again with that order's status and never tops up
    # twice (commands.md 3.3): a crash suspect there is checked by sending it again
    status_by_resend: bool = False
    # an H2H supplier over HTTP (app/h2h/buying.py, docs/h2h.md "Buying"): its address, our account there
    url: str = ""
    member_id: str = ""
    password: str = ""  # sealed at rest like the PIN; never shown or logged
    user: str = ""  # ST24/IRS `user`
    sign: str = ""  # OtomaX: "" the sign (URL-safe raw digest), "plain": pin + password in the URL
    callback_ips: tuple[str, ...] = ()  # where its callbacks may come from (empty: its URL's host)
    status_check: bool = True  # asking by our reference is safe there (OtomaX check=1, the JSON GET)
    http_timeout: float = 30.0  # seconds for an answer; none by then: the order is suspect
    ref_prefix: str = ""  # our references there start with it (per shop, so a new database never reuses one)
    extra: dict[str, Any] = field(default_factory=dict)  # keys this version does not know, kept as they are

    @classmethod
    def parse(cls, text: str | None) -> "SupplierConfig":
        try:
            data = json.loads(text or "{}")
        except json.JSONDecodeError:
            data = {}
        return cls.from_dict(data if isinstance(data, dict) else {})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SupplierConfig":
        known = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        values: dict[str, Any] = {k: v for k, v in data.items() if k in known}
        for key in ("menu", "region", "callback_ips"):
            if key in values:
                values[key] = tuple(str(v) for v in values[key] or ())
        for key in ("modem", "operator", "pin", "rule_pack", "topup", "balance", "history", "to", "url", "member_id",
                    "password", "user", "sign", "ref_prefix"):
            if key in values:
                values[key] = "" if values[key] is None else str(values[key])
        if values.get("pin"):
            values["pin"] = keyfile.unseal(values["pin"])  # KeyFileError: sealed with another key file
        if values.get("password"):
            values["password"] = keyfile.unseal(values["password"])
        if "status_check" in values:
            values["status_check"] = values["status_check"] is not False
        if "http_timeout" in values:
            values["http_timeout"] = float(values["http_timeout"] or 30)
        if "status_by_resend" in values:
            values["status_by_resend"] = values["status_by_resend"] is True
        if "ussd_timeout" in values:
            values["ussd_timeout"] = float(values["ussd_timeout"] or 30)
        return cls(**values, extra={k: v for k, v in data.items() if k not in known})

    def to_dict(self) -> dict[str, Any]:
        """The values as they are in memory (the PIN in clear): for `dumps`, never to be stored as it is."""
        data: dict[str, Any] = dict(self.extra)
        defaults = SupplierConfig()
        for f in dataclasses.fields(self):
            if f.name == "extra":
                continue
            value = getattr(self, f.name)
            if value != getattr(defaults, f.name):
                data[f.name] = list(value) if isinstance(value, tuple) else value
        return data

    def dumps(self) -> str:
        """The JSON to store, with the PIN and the password sealed."""
        data = self.to_dict()
        for key in SECRET_KEYS:
            if data.get(key):
                data[key] = keyfile.seal(data[key])
        return json.dumps(data, ensure_ascii=False)

    def templates(self) -> dict[str, Any]:
        """The parts the owner edits in the suppliers view (without the PIN)."""
        data = self.to_dict()
        return {k: data[k] for k in TEMPLATE_KEYS if k in data}

    def with_templates(self, templates: dict[str, Any]) -> "SupplierConfig":
        return SupplierConfig.from_dict({**self.to_dict(), **templates})


def _stored_pin_is_clear(text: str | None) -> bool:
    try:
        data = json.loads(text or "{}")
    except json.JSONDecodeError:
        return False
    if not isinstance(data, dict):
        return False
    return any(bool(data.get(key)) and not (isinstance(data[key], str) and keyfile.is_sealed(data[key]))
               for key in SECRET_KEYS)


def seal_stored_pins() -> int:
    """Seal every PIN an older version stored in clear; returns how many suppliers were re-saved.
    Every stored config is opened on the way, so a database sealed with another key file is refused
    here (KeyFileError) before any chip could be driven with a wrong PIN."""
    sealed = 0
    with db.atomic():
        for supplier_id, text in list(Supplier.select(Supplier.id, Supplier.config).tuples()):
            config = SupplierConfig.parse(text)
            if _stored_pin_is_clear(text):
                sealed += Supplier.update(config=config.dumps()) \
                    .where((Supplier.id == supplier_id) & (Supplier.config == text)).execute()
    return sealed
