"""Rule packs: every SYNTHETIC template of resources/operator_replies.json renders and parses back."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import rules
from app.rules import FailReason, NextRoute, Outcome, Rule, RuleMatch, RulePack, Suspicion

ROOT = Path(__file__).resolve().parents[2]
DATA = json.loads((ROOT / "resources" / "operator_replies.json").read_text(encoding="utf-8"))
OPERATORS = {k: v for k, v in DATA["operators"].items() if not k.startswith("_")}
BY_KEY = {op["template_key"]: op for op in OPERATORS.values()}
PACKS = {name: rules.load_pack(name) for name in rules.PACK_NAMES}
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def dotted(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def regex_text(pattern: str) -> st.SearchStrategy[str]:
    # \d in hypothesis' from_regex also draws non-ASCII digits; operators send ASCII
    return st.from_regex(pattern.replace(r"\d", "[0-9]"), fullmatch=True)


dests = st.from_regex(r"08[0-9]{8,11}", fullmatch=True)
moneys = st.integers(min_value=0, max_value=10**10)
times = st.times().map(lambda t: t.replace(second=0, microsecond=0))
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))
reasons = st.sampled_from(sorted(DATA["reasons"].items()))


def history_items() -> st.SearchStrategy[list[tuple[str, int, dt.time, str]]]:
    item = st.tuples(dests, st.integers(1, 9999), times, st.sampled_from(["OK", "GAGAL", "PROSES"]))
    return st.lists(item, max_size=5)


def render_list(items: list[tuple[str, int, dt.time, str]]) -> str:
    return " ".join(f"{i}.{d}/{n}/{t.strftime('%H%M')}/{s}" for i, (d, n, t, s) in enumerate(items, 1)) or "-"


@st.composite
def operator_values(draw, key: str) -> dict:
    op = BY_KEY[key]
    dest, amount, stock = draw(dests), draw(moneys), draw(moneys)
    when = dt.datetime.combine(draw(dates), draw(times))
    reason_name, reason_text = draw(reasons)
    return {
        "dest": dest, "dest62": "62" + dest[1:], "amount": dotted(amount), "amount_plain": str(amount),
        "nominal": str(draw(st.integers(1, 9999))), "stock": dotted(stock), "stock_plain": str(stock),
        "sn": draw(regex_text(op["sn"])), "trxid": draw(regex_text(op["trxid"])) if op["trxid"] else "",
        "reason": reason_text, "date": when.strftime("%d/%m/%y"), "time": when.strftime("%H:%M"),
        "list": render_list(draw(history_items())),
        "_amount": amount, "_stock": stock, "_reason": FailReason(reason_name),
    }


def template_ids(*kinds: str) -> list[str]:
    return sorted(t for t in DATA["templates"] if t.split(".")[1] in kinds)


def pack_of(template_id: str) -> RulePack:
    return PACKS[BY_KEY[template_id.split(".")[0]]["pack"]]


# ---------------------------------------------------------------- simulator and parser share one file


def test_simulator_templates_are_the_shared_file():
    from modems.sim import templates as sim

    assert sim.TEMPLATES == DATA["templates"]
    assert {r.name: text for r, text in sim.REASON_TEXTS.items()} == DATA["reasons"]
    assert sim.NETWORK_BUSY_TEXT == DATA["session"]["network_busy"]
    assert sim.CONFIRM_MENU_TEXT == DATA["session"]["confirm_menu"]
    assert sim.CANCELLED_TEXT == DATA["session"]["cancelled"]
    assert {r.name for r in sim.FailReason} <= set(FailReason.__members__)


def test_simulator_upstream_replies_are_the_shared_file():
    from modems.sim import upstream

    t = DATA["upstream"]["templates"]
    assert (upstream.REPLY_OK, upstream.REPLY_FAIL, upstream.REPLY_PENDING) == (
        t["upstream.ok"], t["upstream.fail"], t["upstream.pending"])
    assert upstream.REPLY_WRONG_PIN == t["upstream.wrong_pin"]
    assert upstream.REPLY_NO_BALANCE == t["upstream.no_balance"]


@pytest.mark.parametrize("op_id", sorted(OPERATORS))
def test_simulator_operator_specs_agree(op_id):
    import random
    import re

    from modems.sim.operators import SPECS

    spec, op = SPECS[op_id], OPERATORS[op_id]
    assert (spec.key, spec.flow.value, spec.ack_status, spec.sms_sender) == (
        op["template_key"], op["flow"], op["ack_status"], op["sms_sender"])
    rng = random.Random(op_id)
    for _ in range(20):
        sn = "".join(rng.choice(spec.sn_alphabet) for _ in range(spec.sn_length))
        assert re.fullmatch(op["sn"], sn)
    if spec.trxid_digits:
        assert re.fullmatch(op["trxid"], spec.trxid_prefix + "7" * spec.trxid_digits)
    else:
        assert op["trxid"] is None
    for kind, codes in (("reload", spec.reload_codes), ("stock", spec.stock_codes),
                        ("last5", spec.last5_codes), ("pin", spec.pin_codes)):
        assert {t[1:].split("*")[0] for t in op["requests"][kind]} == set(codes)


def test_every_template_belongs_to_a_pack_and_file_is_labelled_synthetic():
    assert DATA["synthetic"] is True and "SYNTHETIC" in DATA["_comment"]
    assert {t.split(".")[0] for t in DATA["templates"]} == set(BY_KEY)
    for name in rules.PACK_NAMES[:-1]:
        assert PACKS[name].synthetic and "SYNTHETIC" in PACKS[name].description
    assert sorted(op["pack"] for op in OPERATORS.values()) == sorted(rules.PACK_NAMES[:-1])


# ---------------------------------------------------------------- round trips


EXPECTED = {"ok": Outcome.SUCCESS, "fail": Outcome.FAILED, "reject": Outcome.FAILED, "ack": Outcome.PENDING}


@pytest.mark.parametrize("template_id", template_ids("ok", "fail", "reject", "ack"))
def test_outcome_templates_round_trip(template_id):
    key, kind = template_id.split(".")
    template = DATA["templates"][template_id]

    @FAST
    @given(operator_values(key))
    def check(values):
        m = pack_of(template_id).match(template.format(**values))
        assert m.outcome is EXPECTED[kind], (template_id, m)
        assert m.rule_name == template_id
        if "{sn}" in template:
            assert m.sn == values["sn"]
        if "{trxid}" in template:
            assert m.trxid == values["trxid"]
        if "{dest" in template:
            assert m.dest == values["dest"]
        if "{amount" in template:
            assert m.amount == values["_amount"]
        if "{stock" in template:
            assert m.stock == values["_stock"]
        if kind in ("fail", "reject"):
            assert m.reason is values["_reason"] and m.reason_text == values["reason"]
        else:
            assert m.reason is None

    check()


@pytest.mark.parametrize("template_id", template_ids("ok"))
def test_success_without_sn_still_reads_as_success_but_is_suspect(template_id):
    key = template_id.split(".")[0]

    @FAST
    @given(operator_values(key))
    def check(values):
        m = pack_of(template_id).match(DATA["templates"][template_id].format(**{**values, "sn": ""}))
        assert m.outcome is Outcome.SUCCESS and m.sn is None
        assert rules.check_success(m, values["dest"], values["_amount"]) is Suspicion.NO_SN

    check()


@pytest.mark.parametrize("template_id", template_ids("stock"))
def test_stock_replies_round_trip(template_id):
    key = template_id.split(".")[0]

    @FAST
    @given(operator_values(key))
    def check(values):
        text = DATA["templates"][template_id].format(**values)
        assert pack_of(template_id).parse_stock(text) == values["_stock"]
        assert pack_of(template_id).match(text).outcome is Outcome.UNKNOWN  # not a top-up result

    check()


@pytest.mark.parametrize("template_id", template_ids("last5"))
def test_history_replies_round_trip(template_id):
    template = DATA["templates"][template_id]

    @FAST
    @given(history_items())
    def check(items):
        entries = pack_of(template_id).parse_history(template.format(list=render_list(items)))
        status = {"OK": Outcome.SUCCESS, "GAGAL": Outcome.FAILED, "PROSES": Outcome.PENDING}
        assert entries == [
            rules.HistoryEntry(i, d, n, t, status[s]) for i, (d, n, t, s) in enumerate(items, 1)
        ]

    check()


@pytest.mark.parametrize("template_id", template_ids("pin_ok"))
def test_pin_change_reply_is_not_a_topup_success(template_id):
    assert pack_of(template_id).match(DATA["templates"][template_id]).outcome is Outcome.UNKNOWN


# ---------------------------------------------------------------- failures, order, unknown


@pytest.mark.parametrize("reason_name,reason_text", sorted(DATA["reasons"].items()))
def test_axis_tidak_berhasil_is_failed(reason_name, reason_text):
    text = DATA["templates"]["axis.fail"].format(amount="10.000", dest="083812345678", reason=reason_text,
                                                 stock="1.250.000")
    m = PACKS["axis"].match(text)
    assert (m.outcome, m.reason, m.rule_name) == (Outcome.FAILED, FailReason(reason_name), "axis.fail")


def test_axis_tidak_berhasil_with_unknown_wording_is_still_failed():
    text = "Isi ulang Rp10.000 ke 083812345678 tidak berhasil. Kartu belum aktif. Sisa saldo Rp5.000"
    m = PACKS["axis"].match(text)
    assert (m.outcome, m.reason, m.rule_name) == (Outcome.FAILED, FailReason.UNKNOWN, "axis.fail.other")
    assert m.reason_text == "Kartu belum aktif"


def test_failure_rules_come_before_success_rules_in_every_pack():
    for pack in PACKS.values():
        outcomes = [r.outcome for r in pack.rules]
        assert max(i for i, o in enumerate(outcomes) if o is Outcome.FAILED) < outcomes.index(Outcome.SUCCESS)


@pytest.mark.parametrize("name", rules.PACK_NAMES[:-1])
def test_network_busy_text_is_network_busy(name):
    m = PACKS[name].match("  " + DATA["session"]["network_busy"].upper() + "\r\n")
    assert (m.outcome, m.reason) == (Outcome.FAILED, FailReason.NETWORK_BUSY)
    assert rules.may_try_next_route(m.reason)
    m = PACKS[name].match(DATA["session"]["cancelled"])
    assert (m.outcome, m.reason) == (Outcome.FAILED, FailReason.CANCELLED)


@pytest.mark.parametrize("name", rules.PACK_NAMES)
@FAST
@given(text=st.text(max_size=200))
def test_unknown_text_is_unknown(name, text):
    m = PACKS[name].match(text)
    assert m == RuleMatch(Outcome.UNKNOWN) and not m.matched


@pytest.mark.parametrize("name", rules.PACK_NAMES)
def test_known_unknowns(name):
    for text in ("", "Initiating Release", "Transaksi Anda telah diterima dan sedang diproses. Status transaksi "
                 "Anda akan dikirim melalui SMS...", "berhasil", "SUKSES", "Isi ulang berhasil."):
        assert PACKS[name].match(text).outcome is Outcome.UNKNOWN, text


def test_matching_ignores_case_and_collapses_spaces():
    m = PACKS["tri"].match("topup   10000\n081234567890 ok sn=1234567890 bal=500 id=1234567")
    assert (m.outcome, m.sn, m.stock, m.amount) == (Outcome.SUCCESS, "1234567890", 500, 10000)


# ---------------------------------------------------------------- upstream server replies


@st.composite
def upstream_values(draw) -> dict:
    return {
        "trxid": draw(st.from_regex(r"[0-9A-Za-z]{1,12}", fullmatch=True)),
        "kode": draw(st.from_regex(r"[A-Z]{1,4}[0-9]{1,4}", fullmatch=True)),
        "tujuan": draw(dests),
        "sn": draw(st.from_regex(r"[0-9A-Za-z][0-9A-Za-z/ -]{0,38}[0-9A-Za-z]", fullmatch=True)),
        "harga": dotted(draw(moneys)), "saldo": dotted(draw(moneys)), "saldo_awal": dotted(draw(moneys)),
        "jam": draw(times).strftime("%H:%M"), "n": str(draw(st.integers(0, 9))),
        "max": str(draw(st.integers(1, 9))), "operator_tujuan": "TSEL", "operator_produk": "XL",
        "alasan": draw(st.sampled_from(sorted(PACKS["upstream_default"].reasons))),
    }


UPSTREAM = {
    "ok": (Outcome.SUCCESS, None), "pending": (Outcome.PENDING, None), "accepted": (Outcome.PENDING, None),
    "fail": (Outcome.FAILED, "alasan"), "wrong_pin": (Outcome.FAILED, FailReason.WRONG_CHIP_PIN),
    "locked": (Outcome.FAILED, FailReason.WRONG_CHIP_PIN),
    "no_balance": (Outcome.FAILED, FailReason.SUPPLIER_BALANCE),
    "unknown_product": (Outcome.FAILED, FailReason.NOMINAL_INVALID),
    "bad_dest": (Outcome.FAILED, FailReason.DEST_INVALID),
    "wrong_prefix": (Outcome.FAILED, FailReason.PREFIX_MISMATCH),
    # the status of an earlier order, answered to the same order text sent again
    "status_ok": (Outcome.SUCCESS, None), "status_failed": (Outcome.FAILED, FailReason.UNKNOWN),
    "status_sending": (Outcome.PENDING, None), "status_queued": (Outcome.PENDING, None),
    "status_checking": (Outcome.PENDING, None),
}


@pytest.mark.parametrize("template_id", sorted(DATA["upstream"]["templates"]))
def test_upstream_replies_round_trip(template_id):
    template = DATA["upstream"]["templates"][template_id]
    outcome, reason = UPSTREAM[template_id.split(".")[1]]
    pack = PACKS["upstream_default"]

    @FAST
    @given(upstream_values())
    def check(v):
        m = pack.match(template.format(**v))
        assert (m.outcome, m.rule_name) == (outcome, template_id)
        expected_reason = pack.reasons[v["alasan"]] if reason == "alasan" else reason
        assert m.reason is expected_reason
        for placeholder, prop in (("trxid", "trxid"), ("sn", "sn"), ("tujuan", "dest")):
            if "{" + placeholder + "}" in template:
                assert getattr(m, prop) == v[placeholder]
        if "{kode}" in template:
            assert m.fields["product"] == v["kode"]
        if "{harga}" in template:
            assert m.price == rules.parse_rupiah(v["harga"])

    check()


def test_upstream_understands_our_own_reseller_reason_texts():
    pack = PACKS["upstream_default"]
    for reason, policy in rules.REASON_POLICIES.items():
        got = pack.reason_for(policy.reply)
        assert got is reason or rules.reply_text(got) == policy.reply, reason
    text = "TrxID 77: S10 ke 6281234567890 GAGAL. Stok habis, coba lagi nanti. Saldo 0+10.500=10.500 @01:02"
    m = pack.match(text)
    assert (m.reason, m.dest) == (FailReason.OUT_OF_STOCK, "081234567890")
    assert pack.reason_for("SUPPLIER_TIMEOUT") is FailReason.SUPPLIER_TIMEOUT
    assert pack.reason_for("sesuatu yang baru") is FailReason.UNKNOWN


# ---------------------------------------------------------------- history edge cases


def test_history_edge_cases():
    tsel = PACKS["tsel_mkios"]
    assert tsel.parse_history("5 trx terakhir: -") == []
    assert tsel.parse_history("Saldo chip Rp5.000.") is None
    assert tsel.parse_history("5 trx terakhir: 1.081234567890/10/1405/OK rusak") is None  # partial = unreadable
    assert tsel.parse_history("5 trx terakhir: 1.081234567890/10/2561/OK") is None
    [entry] = PACKS["isat_mtronik"].parse_history("1.085712345678/25/0905/proses")
    assert (entry.dest, entry.amount, entry.time, entry.status) == (
        "085712345678", 25_000, dt.time(9, 5), Outcome.PENDING)
    assert PACKS["upstream_default"].parse_history("1.081234567890/10/1405/OK") is None
    assert PACKS["upstream_default"].parse_stock("Saldo:5.000") is None


# ---------------------------------------------------------------- success sanity (operators.md 5.2)


def _ok(**fields: str) -> RuleMatch:
    return RuleMatch(Outcome.SUCCESS, {k: v for k, v in fields.items()}, 0, "x")


def test_check_success():
    good = PACKS["tsel_mkios"].match(
        "17/04/25 14:05 Isi ulang 10.000 ke 6281234567890 BERHASIL. SN:01447000007482589790. "
        "Sisa stok 1.250.000. TrxID:1234567890")
    assert rules.check_success(good, "081234567890", 10_000, {"01394800006993562868"}) is None
    assert rules.check_success(good, "+6281234567890", 10_000) is None
    assert rules.check_success(good, "081234567890", 10_000, {"01447000007482589790"}) is Suspicion.REUSED_SN
    assert rules.check_success(good, "081234567899", 10_000) is Suspicion.DEST_MISMATCH
    assert rules.check_success(good, "081234567890", 20_000) is Suspicion.AMOUNT_MISMATCH
    assert rules.check_success(_ok(sn="  "), "081234567890", 10_000) is Suspicion.NO_SN
    assert rules.check_success(_ok(sn="A1"), "081234567890", 10_000) is None  # nothing else to compare
    assert rules.check_success(_ok(sn="A1", nominal="5"), "081234567890", 10_000) is Suspicion.AMOUNT_MISMATCH
    with pytest.raises(ValueError):
        rules.check_success(RuleMatch(Outcome.FAILED), "081234567890", 10_000)


# ---------------------------------------------------------------- reasons and next route


def test_every_reason_has_a_policy_and_a_short_reply():
    assert set(rules.REASON_POLICIES) == set(FailReason)
    for policy in rules.REASON_POLICIES.values():
        assert policy.reply.isascii() and 0 < len(policy.reply) <= 45


def test_next_route_follows_operators_md():
    yes = {"OUT_OF_CLUSTER", "OUT_OF_STOCK", "SUPPLIER_BALANCE", "PRODUCT_DISRUPTED", "CUT_OFF",
           "SUPPLIER_TIMEOUT", "WRONG_CHIP_PIN", "NETWORK_BUSY", "SUPPLIER_REFUND", "USSD_REJECTED",
           "NOMINAL_INVALID"}
    assert {r.name for r in FailReason if rules.may_try_next_route(r)} == yes
    assert rules.REASON_POLICIES[FailReason.TOO_SOON].next_route is NextRoute.LATER
    assert rules.REASON_POLICIES[FailReason.WRONG_CHIP_PIN].disable_route
    assert rules.REASON_POLICIES[FailReason.REF_NOT_UNIQUE].alert
    assert rules.may_try_next_route("network_busy") and not rules.may_try_next_route(None)
    assert rules.reply_text(FailReason.DEST_GRACE_PERIOD) == "Nomor dalam masa tenggang"
    assert rules.reply_text("OUT_OF_STOCK") == "Stok kosong"


# ---------------------------------------------------------------- values, JSON, live tester


@pytest.mark.parametrize("text,value", [
    ("1.250.000", 1_250_000), ("1250000", 1_250_000), ("Rp10.000", 10_000), ("rp 5.000", 5_000),
    ("10,000", 10_000), ("0", 0), ("10.000,00", 10_000),
])
def test_parse_rupiah(text, value):
    assert rules.parse_rupiah(text) == value


@pytest.mark.parametrize("text", ["", "10.5", "1.25.000", "abc", "-5", "1 000"])
def test_parse_rupiah_rejects(text):
    with pytest.raises(ValueError):
        rules.parse_rupiah(text)


@pytest.mark.parametrize("name", rules.PACK_NAMES)
def test_pack_json_round_trip(name):
    pack = PACKS[name]
    again = RulePack.from_json(pack.to_json())
    assert again.to_dict() == pack.to_dict()
    assert set(pack.to_dict()) == {"name", "description", "synthetic", "rules", "reasons", "history", "stock",
                                   "senders"}


def test_live_tester_accepts_pack_dict_or_json_and_reports_bad_packs():
    text = "TOPUP 5000 089512345678 GAGAL Stok tidak cukup BAL=0 ID=1234567"
    for form in (PACKS["tri"], PACKS["tri"].to_dict(), PACKS["tri"].to_json()):
        m = rules.test_pack(form, text)
        assert (m.outcome, m.rule_name, m.rule_index, m.reason) == (
            Outcome.FAILED, "tri.fail", 2, FailReason.OUT_OF_STOCK)
    custom = {"name": "mine", "rules": [
        {"name": "ok", "pattern": r"sukses.*sn[: ](?P<sn>\w+)", "outcome": "SUCCESS"},
        {"name": "habis", "pattern": "habis", "outcome": "failed", "reason": "OUT_OF_STOCK"},
    ]}
    assert rules.test_pack(custom, "Trx SUKSES sn:ABC123").sn == "ABC123"
    assert rules.test_pack(custom, "stok HABIS").reason is FailReason.OUT_OF_STOCK
    assert rules.test_pack(custom, "lain").outcome is Outcome.UNKNOWN
    with pytest.raises(ValueError, match="broken"):
        rules.test_pack({"name": "x", "rules": [{"name": "broken", "pattern": "(", "outcome": "failed"}]}, "t")
    with pytest.raises(ValueError):
        rules.test_pack({"name": "x", "rules": [{"pattern": "a", "outcome": "maybe"}]}, "a")
    with pytest.raises(ValueError):
        rules.test_pack("{not json", "a")
    with pytest.raises(ValueError):
        rules.load_pack("../operator_replies")


def test_default_pack_per_operator():
    assert rules.default_pack_name("TSEL") == "tsel_mkios"
    assert {rules.default_pack_name(op) for op in OPERATORS} == set(rules.PACK_NAMES[:-1])
    prefixes = json.loads((ROOT / "resources" / "prefixes.json").read_text(encoding="utf-8"))
    assert set(prefixes["operators"]) == set(OPERATORS)
    with pytest.raises(ValueError):
        rules.default_pack_name("ESIA")


def test_rule_accepts_strings_for_enums():
    rule = Rule("x", "failed", "CUT_OFF", "r")
    assert (rule.outcome, rule.reason) == (Outcome.FAILED, FailReason.CUT_OFF)


# ---------------------------------------------------------------- generator and layering


def _generator():
    import importlib.util

    spec = importlib.util.spec_from_file_location("rulepack_generate", ROOT / "resources" / "rulepacks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generator_reproduces_committed_packs_exactly():
    gen = _generator()
    first, second = gen.build(), gen.build()
    assert first == second
    assert sorted(first) == sorted(f"{n}.json" for n in rules.PACK_NAMES)
    for filename, text in first.items():
        committed = (ROOT / "resources" / "rulepacks" / filename).read_bytes().decode("utf-8")
        assert committed == text, f"{filename} is stale: run resources/rulepacks/generate.py"


def test_generator_check_mode_passes():
    done = subprocess.run([sys.executable, str(ROOT / "resources" / "rulepacks" / "generate.py"), "--check"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


def test_rules_module_pulls_in_no_qt_and_no_database():
    code = ("import sys, app.rules; "
            "print(sorted(m for m in ('PySide6', 'peewee', 'modems', 'storage') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"
