"""Generate the default rule packs from ../operator_replies.json (operators.md 6.1).

    python resources/rulepacks/generate.py          # rewrite the packs
    python resources/rulepacks/generate.py --check  # exit 1 if a committed pack is stale

Literal text is escaped, runs of spaces become ``\\s+``, each ``{placeholder}`` becomes a named
group with its pattern, and every pattern is anchored to the whole (stripped) reply. Failures come
before successes so that a text like Axis' "tidak berhasil" can never be read as "berhasil".
A developer script: it imports app.rules so the files are written in exactly the shape the loader
reads; nothing imports this file.
"""
from __future__ import annotations

import json
import re
import string
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.rules import (  # noqa: E402
    REASON_POLICIES,
    FailReason,
    HistorySpec,
    Outcome,
    Rule,
    RulePack,
)

SOURCE = ROOT / "resources" / "operator_replies.json"

# placeholder → group name in the packs, so every pack exposes the same field names
GROUPS = {
    "dest62": "dest", "tujuan": "dest", "amount_plain": "amount", "stock_plain": "stock",
    "alasan": "reason", "jam": "time", "kode": "product", "harga": "price", "saldo": "balance",
    "saldo_awal": "balance_before", "n": "attempts_left", "max": "max_attempts",
    "operator_tujuan": "dest_operator", "operator_produk": "product_operator",
}
ANY_REASON = ".+?"

# template suffix → (outcome, fixed reason); failure kinds first: this is also the rule order
OPERATOR_KINDS: tuple[tuple[str, Outcome], ...] = (
    ("reject", Outcome.FAILED), ("fail", Outcome.FAILED), ("ok", Outcome.SUCCESS), ("ack", Outcome.PENDING),
)
UPSTREAM_KINDS: tuple[tuple[str, Outcome, FailReason | None], ...] = (
    ("fail", Outcome.FAILED, None),
    ("wrong_pin", Outcome.FAILED, FailReason.WRONG_CHIP_PIN),
    ("locked", Outcome.FAILED, FailReason.WRONG_CHIP_PIN),
    ("no_balance", Outcome.FAILED, FailReason.SUPPLIER_BALANCE),
    ("unknown_product", Outcome.FAILED, FailReason.NOMINAL_INVALID),
    ("bad_dest", Outcome.FAILED, FailReason.DEST_INVALID),
    ("wrong_prefix", Outcome.FAILED, FailReason.PREFIX_MISMATCH),
    # the same order text sent again: the upstream answers with that order's status (how a crash
    # suspect at an upstream is checked, SupplierConfig.status_by_resend)
    ("status_failed", Outcome.FAILED, None),
    ("ok", Outcome.SUCCESS, None),
    ("status_ok", Outcome.SUCCESS, None),
    ("pending", Outcome.PENDING, None),
    ("accepted", Outcome.PENDING, None),
    ("status_sending", Outcome.PENDING, None),
    ("status_queued", Outcome.PENDING, None),
    ("status_checking", Outcome.PENDING, None),
)


def literal(text: str) -> str:
    return r"\s+".join(re.escape(part) for part in re.split(r" +", text))


def template_regex(template: str, patterns: dict[str, str], optional: tuple[str, ...] = ()) -> str:
    """A template → an anchored regex; repeated placeholders match without a second group."""
    out: list[str] = []
    seen: set[str] = set()
    for text, name, _spec, _conv in string.Formatter().parse(template):
        out.append(literal(text))
        if name is None:
            continue
        group = GROUPS.get(name, name)
        pattern = patterns[name]
        out.append(f"(?:{pattern})" if group in seen else f"(?P<{group}>{pattern})")
        seen.add(group)
        if name in optional:
            out.append("?")  # a success without SN must still read as success, then fail check_success
    return "^" + "".join(out) + "$"


def fixed_regex(text: str) -> str:
    return "^" + literal(text) + "$"


def reason_map(data: dict[str, Any], with_replies: bool = False) -> dict[str, str]:
    """Reason text → FailReason name; the first spelling of a text wins."""
    pairs: list[tuple[str, str]] = [(t, n) for n, t in data["reasons"].items()]
    pairs += [(t, n) for n, texts in data["upstream"]["reason_texts"].items() for t in texts]
    if with_replies:
        pairs += [(p.reply, r.value) for r, p in REASON_POLICIES.items() if r is not FailReason.UNKNOWN]
    out: dict[str, str] = {}
    seen: set[str] = set()
    for text, name in pairs:
        key = " ".join(text.split()).casefold()
        if key not in seen:
            seen.add(key)
            out[text] = FailReason(name).value
    return out


def history_spec(template: str, data: dict[str, Any]) -> HistorySpec:
    entry = data["history_entry"]
    return HistorySpec(template_regex(template, {"list": data["placeholders"]["list"]}), entry["pattern"],
                       dict(entry["status"]), entry["empty"])


def operator_pack(op_id: str, op: dict[str, Any], data: dict[str, Any]) -> RulePack:
    key, templates, session = op["template_key"], data["templates"], data["session"]
    reason_alt = "|".join(literal(t) for t in data["reasons"].values())
    patterns = {k: v for k, v in data["placeholders"].items() if not k.startswith("_")}
    patterns.update(sn=op["sn"], trxid=op["trxid"] or "(?!)", reason=reason_alt)
    loose = {**patterns, "reason": ANY_REASON}

    rules = [
        Rule(fixed_regex(session["network_busy"]), Outcome.FAILED, FailReason.NETWORK_BUSY, "network_busy"),
        Rule(fixed_regex(session["cancelled"]), Outcome.FAILED, FailReason.CANCELLED, "cancelled"),
    ]
    fail_ids = [f"{key}.{k}" for k, o in OPERATOR_KINDS if o is Outcome.FAILED and f"{key}.{k}" in templates]
    rules += [Rule(template_regex(templates[t], patterns), Outcome.FAILED, None, t) for t in fail_ids]
    # Same shapes with any reason text: a definite failure whose wording we do not know yet.
    rules += [Rule(template_regex(templates[t], loose), Outcome.FAILED, None, f"{t}.other") for t in fail_ids]
    for kind, outcome in OPERATOR_KINDS:
        tid = f"{key}.{kind}"
        if outcome is not Outcome.FAILED and tid in templates:
            rules.append(Rule(template_regex(templates[tid], patterns, optional=("sn",)), outcome, None, tid))

    stock = template_regex(templates[f"{key}.stock"], patterns)
    codes = "real" if op["codes_real"] else "synthetic"
    description = (
        f"SYNTHETIC default pack for {op['name']} {op['service']} (operator {op_id}): USSD codes {codes}, "
        f"reply texts synthetic (operators.md 6). Flow {op['flow']}"
        + (f", result SMS from {op['sms_sender']}" if op["sms_sender"] else "")
        + ". Generated from resources/operator_replies.json by rulepacks/generate.py."
    )
    return RulePack(op["pack"], rules, history_spec(templates[f"{key}.last5"], data), description,
                    reasons=reason_map(data), stock_pattern=stock, synthetic=True,
                    senders=(op["sms_sender"],) if op["sms_sender"] else ())


def upstream_pack(data: dict[str, Any]) -> RulePack:
    up = data["upstream"]
    patterns = {k: v for k, v in up["placeholders"].items() if not k.startswith("_")}
    rules = []
    for kind, outcome, reason in UPSTREAM_KINDS:
        tid = f"upstream.{kind}"
        optional = ("sn",) if outcome is Outcome.SUCCESS else ()
        rules.append(Rule(template_regex(up["templates"][tid], patterns, optional), outcome, reason, tid))
    description = (
        "Default pack for an upstream server pulsa that answers our orders by SMS with the reply "
        "texts of reference/commands.md section 4 (TrxID …: S10 ke 0812… SUKSES. SN:… / GAGAL. "
        "<alasan>.). Generated from resources/operator_replies.json by rulepacks/generate.py."
    )
    # an upstream's results come from its own number, given with the supplier (SupplierConfig.to)
    return RulePack(up["pack"], rules, None, description, reasons=reason_map(data, with_replies=True),
                    synthetic=False, senders=())


def build(data: dict[str, Any] | None = None) -> dict[str, str]:
    """File name → JSON text of every default pack."""
    if data is None:
        data = json.loads(SOURCE.read_text(encoding="utf-8"))
    packs = [operator_pack(op_id, op, data) for op_id, op in data["operators"].items() if not op_id.startswith("_")]
    packs.append(upstream_pack(data))
    return {f"{p.name}.json": p.to_json() for p in packs}


def main(argv: list[str]) -> int:
    stale = []
    packs = build()
    for filename, text in packs.items():
        path = HERE / filename
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(filename)
        if "--check" not in argv:
            path.write_text(text, encoding="utf-8", newline="\n")
    if "--check" in argv and stale:
        print("stale rule packs: " + ", ".join(stale))
        return 1
    print(("wrote " if stale else "up to date: ") + ", ".join(stale or sorted(packs)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
