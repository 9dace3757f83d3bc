"""A believable demo shop: resellers with known numbers and PINs, price groups, products, prices.

The README lists these accounts; tests and later features rely on them.
"""
from __future__ import annotations

from dataclasses import dataclass

from app import ledger
from app.pins import hash_pin, new_salt
from storage.models import PriceGroup, Price, Product, Reseller, ResellerAddress, database_proxy as db


@dataclass(frozen=True)
class DemoReseller:
    code: str
    name: str
    phone: str
    pin: str
    balance: int
    group: str = "RETAIL"
    parent: str | None = None
    parallels: tuple[str, ...] = ()


DEMO_RESELLERS = (
    DemoReseller("R001", "Demo Cell", "081211110001", "1234", 1_000_000, "AGEN", parallels=("081211110011",)),
    DemoReseller("R002", "Maju Jaya Cell", "081211110002", "4321", 5_000),
    DemoReseller("R003", "Berkah Pulsa", "081211110003", "5555", 250_000, parent="R001"),
)

# An H2H buyer (another server ordering over HTTP, app/h2h): PIN and password make its OtomaX sign; its
# JSON API secret is its password. Allowed from this machine only; no report URL until the owner sets one.
DEMO_H2H = DemoReseller("H001", "Mitra H2H", "081211110090", "1234", 1_000_000, "AGEN")
DEMO_H2H_PASSWORD = "rahasia"
DEMO_H2H_IPS = ("127.0.0.1",)

# (code, name, operator, nominal, margin for RETAIL, margin for AGEN, default for plain nominal)
DEMO_PRODUCTS = (
    ("S5", "Telkomsel 5.000", "TSEL", 5_000, 700, 600, True),
    ("S10", "Telkomsel 10.000", "TSEL", 10_000, 650, 550, True),
    ("S20", "Telkomsel 20.000", "TSEL", 20_000, 450, 300, True),
    ("S25", "Telkomsel 25.000", "TSEL", 25_000, 400, 250, True),
    ("S50", "Telkomsel 50.000", "TSEL", 50_000, 400, 250, True),
    ("S100", "Telkomsel 100.000", "TSEL", 100_000, 400, 250, True),
    ("I5", "Indosat 5.000", "ISAT", 5_000, 900, 800, True),
    ("I10", "Indosat 10.000", "ISAT", 10_000, 900, 750, True),
    ("I25", "Indosat 25.000", "ISAT", 25_000, 700, 500, True),
    ("X5", "XL 5.000", "XL", 5_000, 1_000, 850, True),
    ("X10", "XL 10.000", "XL", 10_000, 950, 800, True),
    ("X25", "XL 25.000", "XL", 25_000, 700, 500, True),
    ("A10", "Axis 10.000", "AXIS", 10_000, 950, 800, True),
    ("T5", "Tri 5.000", "TRI", 5_000, 900, 750, True),
    ("T10", "Tri 10.000", "TRI", 10_000, 900, 700, True),
    ("SM10", "Smartfren 10.000", "SMART", 10_000, 1_000, 850, True),
)


def seed_demo(*, h2h: bool = False) -> None:
    """Fill an empty database with the demo shop. Refuses a database that already has resellers.
    `h2h`: with the H2H buyer H001 too (`seed_demo_h2h`), as `seed-demo` and `--demo` make it; without it
    the three SMS resellers only, which most tests count on."""
    if Reseller.select().exists():
        raise RuntimeError("database already has resellers; seed-demo only fills an empty database")
    with db.atomic():
        groups = {code: PriceGroup.create(code=code, name=name)
                  for code, name in (("RETAIL", "Reseller umum"), ("AGEN", "Agen"))}
        for code, name, operator, nominal, retail, agen, default in DEMO_PRODUCTS:
            product = Product.create(code=code, name=name, operator=operator, nominal=nominal,
                                     default_for_nominal=default)
            Price.create(product=product, price_group=groups["RETAIL"], sell=nominal + retail)
            Price.create(product=product, price_group=groups["AGEN"], sell=nominal + agen)
        made: dict[str, Reseller] = {}
        for d in DEMO_RESELLERS:
            salt = new_salt()
            r = Reseller.create(code=d.code, name=d.name, price_group=groups[d.group],
                                parent=made[d.parent].id if d.parent else None, pin_salt=salt,
                                pin_hash=hash_pin(d.pin, salt))
            ResellerAddress.create(reseller=r, channel="sms", address=d.phone, is_main=True)
            for extra in d.parallels:
                ResellerAddress.create(reseller=r, channel="sms", address=extra)
            ledger.post(r.id, d.balance, ledger.LedgerKind.DEPOSIT, note="saldo awal demo", actor="demo")
            made[d.code] = r
        if h2h:
            seed_demo_h2h()


def seed_demo_h2h() -> None:
    """The demo's H2H buyer H001 "Mitra H2H" (PIN 1234, password rahasia, Rp 1.000.000, allowed from
    127.0.0.1, reports in the OtomaX form, no report URL yet), unless it is there already."""
    from app import keyfile
    from storage.models import H2HMember

    d = DEMO_H2H
    if Reseller.select().where(Reseller.code == d.code).exists():
        return
    with db.atomic():
        salt = new_salt()
        r = Reseller.create(code=d.code, name=d.name, price_group=PriceGroup.get(PriceGroup.code == d.group),
                            pin_salt=salt, pin_hash=hash_pin(d.pin, salt))
        ResellerAddress.create(reseller=r, channel="sms", address=d.phone, is_main=True)
        ledger.post(r.id, d.balance, ledger.LedgerKind.DEPOSIT, note="saldo awal demo", actor="demo")
        H2HMember.create(reseller=r, password=keyfile.seal(DEMO_H2H_PASSWORD), pin=keyfile.seal(d.pin),
                         allowed_ips="\n".join(DEMO_H2H_IPS), callback_form="otomax", callback_url="")


# --- the demo shop's modems, chips and routes ---------------------------------------------------

def configure_network(modems: list[dict], scenario: dict, *, sms_per_minute: float = 0) -> None:
    """Modems, suppliers and routes for a virtual network (the control API's /api/modems list and
    the scenario it was started from, which holds the chip PINs and upstream accounts)."""
    from app.config import ModemSpec, apply

    by_id = {m["id"]: m for m in scenario.get("modems", [])}
    accounts = {acc["msisdn"]: (up, acc) for up in scenario.get("upstreams", []) for acc in up["accounts"]}
    specs = []
    for m in modems:
        # a scenario entry with "count" expands to ids "<id>-1", "<id>-2", …
        source = by_id.get(m["id"]) or by_id.get(m["id"].rsplit("-", 1)[0], {})
        role = m.get("role", "")
        # a modem the network also publishes as a pty is used by its device path, as a USB dongle is
        spec = ModemSpec(name=m["id"], port=m.get("pty") or m["port_url"],
                         roles=[role] if role in ("center", "sender", "chip") else [],
                         operator=m.get("operator", ""), pin=str(source.get("pin", "")),
                         region=list(source.get("region") or []), sms_per_minute=sms_per_minute,
                         imei=m.get("imei", ""), iccid=m.get("iccid", ""))
        if m["msisdn"] in accounts:
            up, acc = accounts[m["msisdn"]]
            spec.roles = ["upstream"]
            # the virtual upstream answers a resent order with its status (modems/sim/upstream.py)
            spec.upstream = {"to": up["msisdn"], "pin": acc["pin"], "name": up["name"], "status_by_resend": True}
        specs.append(spec)
    apply(specs)
