"""Rules from examples (app/rule_builder.py): real reply shapes of resources/operator_replies.json become
rules that read other replies of the same shape, the pack's samples guard against a rule that takes
replies it should not, and what cannot become a rule says why in Indonesian."""
from __future__ import annotations

import json

import pytest

from app import rule_builder as rb
from app.rule_builder import BuildError, Example, Mark, Part
from app.rules import PACK_NAMES, FailReason, Outcome, RulePack, check_success, load_pack, may_try_next_route


def marks(text: str, **parts: str) -> tuple[Mark, ...]:
    """Each value at its first place that no earlier mark covers."""
    out: list[Mark] = []
    for part, value in parts.items():
        start = text.index(value)
        while any(start < m.end and m.start < start + len(value) for m in out):
            start = text.index(value, start + 1)
        out.append(Mark(start, start + len(value), Part(part)))
    return tuple(out)


def example(text: str, outcome: Outcome, fail: FailReason | None = None, **parts: str) -> Example:
    return Example(text, marks(text, **parts), outcome, fail)


def pack_without(name: str, *rule_names: str) -> dict:
    """A default pack as if it did not know some of its operator's replies."""
    data = load_pack(name).to_dict()
    data["rules"] = [r for r in data["rules"] if r["name"] not in rule_names]
    return data


# The success reply of each operator (SYNTHETIC templates), twice with different values: the rule is
# made from the first and must read the second.
OK_REPLIES = {
    "tsel_mkios": (
        ("29/11/26 14:05 Isi ulang 10.000 ke 6281234567890 BERHASIL. SN:41029384754102938475. Sisa stok 1.234.500. "
         "TrxID:4102938475", dict(amount="10.000", dest="6281234567890", sn="41029384754102938475",
                                   stock="1.234.500", trxid="4102938475")),
        ("03/01/27 09:41 Isi ulang 100.000 ke 6285299887766 BERHASIL. SN:99990000111122223333. Sisa stok 87.000. "
         "TrxID:5550001112", dict(amount=100_000, dest="085299887766", sn="99990000111122223333", stock=87_000)),
        ("tsel.ok",),
    ),
    "xl_dompul": (
        ("TRX X410293847 Reload 10.000 ke 081234567890 SUKSES. SN A7B3C9D1E5F2. Saldo Dompul Rp1.234.500",
         dict(trxid="X410293847", amount="10.000", dest="081234567890", sn="A7B3C9D1E5F2", stock="1.234.500")),
        ("TRX X000000001 Reload 25.000 ke 081799887766 SUKSES. SN ZZ99YY88XX77. Saldo Dompul Rp12.000",
         dict(amount=25_000, dest="081799887766", sn="ZZ99YY88XX77", stock=12_000)),
        ("xl.ok",),
    ),
    "tri": (
        ("TOPUP 10000 089612345678 OK SN=4102938475 BAL=1234500 ID=4102938",
         dict(amount="10000", dest="089612345678", sn="4102938475", stock="1234500", trxid="4102938")),
        ("TOPUP 5000 089599887766 OK SN=1111122222 BAL=99000 ID=7777777",
         dict(amount=5_000, dest="089599887766", sn="1111122222", stock=99_000)),
        ("tri.ok",),
    ),
    "upstream_default": (
        ("TrxID 7301928374: S10 ke 081234567890 SUKSES. SN:4102938475610293. Harga 10.650. Saldo 1.234.500 @14:05",
         dict(dest="081234567890", sn="4102938475610293", stock="1.234.500")),
        ("TrxID 88: X25 ke 6281911112222 SUKSES. SN:0099. Harga 25.400. Saldo 5.000 @09:01",
         dict(dest="081911112222", sn="0099", stock=5_000)),
        ("upstream.ok",),
    ),
}


@pytest.mark.parametrize("pack_name", sorted(OK_REPLIES))
def test_a_success_rule_from_an_operator_reply_reads_other_replies_of_its_shape(pack_name):
    (text, parts), (other, expected), dropped = OK_REPLIES[pack_name]
    data = pack_without(pack_name, *dropped)
    assert RulePack.from_dict(data).match(text).outcome is Outcome.UNKNOWN  # the pack does not know it yet
    proposal = rb.propose(data, example(text, Outcome.SUCCESS, **parts), pack_name=pack_name)
    assert proposal.ok, [c.problem for c in proposal.conflicts]
    assert proposal.position == len(data["rules"])  # nothing read it: the rule goes last, after the failures
    pack = RulePack.from_json(proposal.pack_text)
    m = pack.match(other)
    assert m.outcome is Outcome.SUCCESS and m.rule_name == proposal.rule.name == "contoh.sukses.1"
    assert m.sn == expected["sn"] and m.dest == expected["dest"] and m.stock == expected["stock"]
    if "amount" in expected:
        assert m.amount == expected["amount"]
    assert check_success(m, expected["dest"], m.amount or 0) is None
    # the sample is stored in the pack and every sample, the operator's other replies included, reads right
    assert json.loads(proposal.pack_text)["samples"][-1]["fields"]["sn"] == parts["sn"]
    assert all(c.ok for c in rb.check_pack(json.loads(proposal.pack_text), pack_name))
    assert len(proposal.checks) > 10  # the template replies of the operator were checked too


def test_whitespace_case_and_rp_are_tolerated_but_other_words_are_not():
    text = "Trx S10.081234567890 BERHASIL. SN: 1234567890123. Sisa saldo Rp 1.234.500"
    proposal = rb.propose(load_pack("tsel_mkios").to_json(), example(
        text, Outcome.SUCCESS, sn="1234567890123", dest="081234567890", stock="1.234.500"), pack_name="tsel_mkios")
    pack = RulePack.from_json(proposal.pack_text)
    loose = "  trx S5.6285712345678  berhasil.\nSN:99887766.  Sisa saldo Rp234.500\n"
    m = pack.match(loose)
    assert (m.outcome, m.sn, m.dest, m.stock) == (Outcome.SUCCESS, "99887766", "085712345678", 234_500)
    assert pack.match(text + " Terima kasih").outcome is Outcome.UNKNOWN  # anchored: more words, no guess
    # the reply gives no amount: a follow-up SMS like it could not be tied to its order
    assert any("Tanpa Tujuan dan Nominal" in n for n in proposal.notes)
    assert [piece for piece in proposal.built.shape if piece[0] == "part"] == [
        ("part", "dest"), ("part", "sn"), ("part", "stock")]


def test_a_failure_reply_gets_its_reason_and_goes_before_the_loose_failure_rule():
    text = ("29/11/26 14:05 Isi ulang 10.000 ke 6281234567890 GAGAL: Kuota chip habis hari ini. Sisa stok 0. "
            "TrxID:4102938475")
    pack = load_pack("tsel_mkios")
    before = pack.match(text)
    assert before.outcome is Outcome.FAILED and before.reason is FailReason.UNKNOWN  # read, reason unknown
    proposal = rb.propose(pack.to_json(), example(text, Outcome.FAILED, FailReason.OUT_OF_STOCK, amount="10.000",
                                                  dest="6281234567890", stock="0"), pack_name="tsel_mkios")
    assert proposal.ok
    assert proposal.position == before.rule_index  # just before tsel.fail.other
    assert any("tsel.fail.other" in n for n in proposal.notes)
    new = RulePack.from_json(proposal.pack_text)
    m = new.match(text.replace("10.000", "20.000").replace("4102938475", "1"))
    assert (m.outcome, m.reason, m.amount, m.stock) == (Outcome.FAILED, FailReason.OUT_OF_STOCK, 20_000, 0)
    assert may_try_next_route(m.reason)  # the chip is empty: another chip may serve the order
    # other failures are still read by the rules that read them before
    other = text.replace("Kuota chip habis hari ini", "Nomor tujuan salah")
    assert new.match(other).reason is FailReason.DEST_INVALID


def test_a_pending_reply_with_a_nominal_in_thousands():
    text = "Transaksi isi 10 ke 081234567890 sedang diproses, tunggu SMS. Ref 55667788"
    proposal = rb.propose(load_pack("smartfren").to_json(), example(
        text, Outcome.PENDING, amount="10", dest="081234567890", trxid="55667788"), pack_name="smartfren")
    assert proposal.ok and not proposal.notes
    m = RulePack.from_json(proposal.pack_text).match(text.replace(" 10 ", " 25 "))
    assert (m.outcome, m.amount, m.dest, m.trxid) == (Outcome.PENDING, 25_000, "081234567890", "55667788")
    assert proposal.rule.name == "contoh.menunggu.1" and proposal.rule.reason is None


def test_a_rule_that_takes_a_stored_sample_is_a_conflict():
    base = "29/11/26 14:05 Isi ulang 10.000 ke 6281234567890 GAGAL: {why}. Sisa stok 5.000. TrxID:4102938475"
    first_text = base.format(why="Kuota chip habis")
    first = rb.propose(load_pack("tsel_mkios").to_json(), example(
        first_text, Outcome.FAILED, FailReason.OUT_OF_STOCK, amount="10.000", reason="Kuota chip habis"),
        pack_name="tsel_mkios")
    assert first.ok
    # the owner thinks every "GAGAL: <anything>" is still pending: that would take the first sample
    second_text = base.format(why="Sedang diproses ulang")
    second = rb.propose(first.pack_text, example(second_text, Outcome.PENDING, amount="10.000",
                                                 any="Sedang diproses ulang"), pack_name="tsel_mkios")
    assert not second.ok
    [conflict] = second.conflicts
    assert conflict.sample.text == first_text and conflict.outcome is Outcome.PENDING
    assert conflict.problem == (f"«{rb.short(first_text)}» terbaca menunggu SMS oleh aturan «contoh.menunggu.1», "
                                "seharusnya gagal (OUT_OF_STOCK).")
    # marking the words instead of "any text" makes a narrower rule that takes nothing
    narrow = rb.propose(first.pack_text, example(second_text, Outcome.PENDING, amount="10.000"), pack_name="tsel_mkios")
    assert narrow.ok and narrow.position == second.position
    assert len(json.loads(narrow.pack_text)["samples"]) == 2


def test_a_catch_all_rule_conflicts_with_the_operators_stock_and_history_replies():
    text = "Mohon tunggu sebentar"
    proposal = rb.propose(load_pack("tsel_mkios").to_json(), Example(text, (Mark(0, len(text), Part.ANY),),
                                                                    Outcome.PENDING), pack_name="tsel_mkios")
    assert not proposal.ok
    problems = " ".join(c.problem for c in proposal.conflicts)
    assert "«Stok M-Kios 1.234.500 per 29/11/26 14:05.» terbaca menunggu SMS" in problems
    assert "5 trx terakhir" in problems and "seharusnya tidak dikenal" in problems
    assert all(c.sample.origin == "template" for c in proposal.conflicts)


def test_a_reply_already_read_the_same_way_says_so():
    text, parts = OK_REPLIES["tsel_mkios"][0]
    proposal = rb.propose(load_pack("tsel_mkios").to_json(), example(text, Outcome.SUCCESS, **parts),
                          pack_name="tsel_mkios")
    assert proposal.ok
    assert any("sudah dikenali aturan «tsel.ok» dengan hasil yang sama" in n for n in proposal.notes)


def test_a_sloppy_selection_is_trimmed():
    text = "Sukses isi 5.000 ke 081234567890. SN 123456789 . Saldo Rp50.000."
    start = text.index("SN 1") + 2
    sloppy = Example(text, (Mark(start, start + 13, Part.SN),), Outcome.SUCCESS)  # " 123456789 . "
    built = rb.build_rule(sloppy)
    assert built.fields == {"sn": "123456789"}
    assert built.rule.regex.search(text).group("sn") == "123456789"


@pytest.mark.parametrize("ex, message", [
    (Example("", (), Outcome.SUCCESS), "Tempel dulu teks balasan operator."),
    (example("Sukses isi 5.000 ke 081234567890", Outcome.SUCCESS, dest="081234567890"),
     "Tandai SN-nya: tanpa SN transaksi sukses tetap dianggap suspect."),
    (example("Gagal isi 5.000", Outcome.FAILED, amount="5.000"), "Balasan gagal butuh alasan: pilih alasannya."),
    (example("Sukses SN 1234 ke 5.000", Outcome.SUCCESS, sn="1234", dest="5.000"),
     "«5.000» yang ditandai Tujuan bukan nomor HP (08… atau 62…)."),
    (example("Sukses SN 1234 isi lima ribu", Outcome.SUCCESS, sn="1234", amount="lima"),
     "«lima» yang ditandai Nominal bukan jumlah rupiah."),
    (Example("Sukses SN 1234", (Mark(7, 14, Part.SN), Mark(10, 14, Part.TRXID)), Outcome.SUCCESS),
     "Tanda SN dan TrxID bertumpuk: «1234»."),
    (Example("Sukses SN 1234", (Mark(6, 7, Part.SN),), Outcome.SUCCESS),
     "Bagian yang ditandai SN kosong; pilih teksnya lagi."),
])
def test_what_cannot_become_a_rule_says_why(ex, message):
    with pytest.raises(BuildError) as info:
        rb.build_rule(ex)
    assert str(info.value) == message
    with pytest.raises(BuildError) as info:
        rb.propose(load_pack("tsel_mkios").to_json(), ex)
    assert str(info.value) == message


def test_a_reply_without_a_meaning_yet_is_not_a_rule():
    with pytest.raises(BuildError, match="Pilih hasilnya: sukses, gagal atau menunggu SMS."):
        rb.propose(load_pack("tsel_mkios").to_json(), example("Halo 0812", Outcome.UNKNOWN))
    with pytest.raises(BuildError, match="Aturan balasan tidak valid"):
        rb.propose("{ bukan json", example("Sukses SN 1", Outcome.SUCCESS, sn="1"))


def test_the_template_samples_of_every_default_pack_read_as_expected():
    for name in PACK_NAMES:
        checks = rb.check_pack(load_pack(name).to_dict(), name)
        assert checks and all(c.ok for c in checks), name
        outcomes = {c.sample.outcome for c in checks}
        assert {Outcome.SUCCESS, Outcome.FAILED} <= outcomes, name
    assert rb.sample_reply("xl_dompul").startswith("TRX X") and rb.sample_reply("tsel_toko") == ""


def test_saved_through_shop_admin_the_engine_loads_the_rule(db):
    from app import shop_admin

    text = "Trx S10.081234567890 BERHASIL. SN: 1234567890123. Sisa saldo Rp 1.234.500"
    proposal = rb.propose(shop_admin.rule_pack_source("tsel_mkios"), example(
        text, Outcome.SUCCESS, sn="1234567890123", dest="081234567890", stock="1.234.500"), pack_name="tsel_mkios")
    shop_admin.save_rule_pack("tsel_mkios", proposal.pack_text, actor="tester")
    assert shop_admin.load_rule_pack("tsel_mkios").match(text).sn == "1234567890123"
    saved = json.loads(shop_admin.rule_pack_source("tsel_mkios"))
    assert saved["samples"] == [{"text": text, "outcome": "success", "reason": None,
                                 "fields": {"dest": "081234567890", "sn": "1234567890123", "stock": "1.234.500"}}]
    # a second rule from another reply keeps the first sample and adds its own
    again = rb.propose(shop_admin.rule_pack_source("tsel_mkios"), example(
        "Trx S10.081234567890 GAGAL. Nomor tujuan salah", Outcome.FAILED, FailReason.DEST_INVALID,
        dest="081234567890"), pack_name="tsel_mkios")
    assert again.ok and again.rule.name == "contoh.gagal.1"
    assert [s["outcome"] for s in json.loads(again.pack_text)["samples"]] == ["success", "failed"]


@pytest.mark.parametrize("pack_name", PACK_NAMES)
def test_first_guesses_make_a_working_rule_from_each_operator_reply(pack_name):
    """The dialog pre-marks a pasted reply and guesses its outcome; for the operators' replies those
    guesses alone make a rule that reads the reply as the default pack does."""
    pack = load_pack(pack_name)
    for template_id, text in rb.template_replies(pack_name).items():
        expected = pack.match(text)
        kind = template_id.split("#")[0].split(".")[-1]
        if kind not in ("ok", "fail", "reject", "ack", "pending", "accepted") or template_id.split("#")[-1] not in (
                "1", template_id):
            continue  # the top-up answers (once per failure template), not stock or PIN replies
        outcome = rb.guess_outcome(text)
        assert outcome is expected.outcome, template_id
        reason = rb.guess_reason(pack.to_json(), text) if outcome is Outcome.FAILED else None
        marks = rb.suggest_marks(text)
        if outcome is Outcome.SUCCESS:
            assert {m.part for m in marks} >= {Part.SN, Part.DEST}, template_id
        if not expected.reason or expected.reason is FailReason.UNKNOWN or reason is None:
            reason = expected.reason or reason
        built = rb.build_rule(Example(text, marks, outcome, reason))
        m = RulePack("t", [built.rule]).match(text)
        assert m.outcome is expected.outcome and m.sn == expected.sn and m.dest == expected.dest, template_id
        assert m.reason is expected.reason, template_id


def test_suggested_marks_are_found_where_the_words_say():
    text = "Isi ulang Rp10.000 ke 081234567890 berhasil. No.Ref 41029384754102. Sisa saldo Rp1.234.500"
    found = {m.part: text[m.start:m.end] for m in rb.suggest_marks(text)}
    assert found == {Part.AMOUNT: "10.000", Part.DEST: "081234567890", Part.SN: "41029384754102",
                     Part.STOCK: "1.234.500"}
    assert rb.guess_outcome("Isi ulang ke 0812 tidak berhasil") is Outcome.FAILED
    assert rb.guess_outcome("Permintaan Anda sedang diproses") is Outcome.PENDING
    assert rb.guess_outcome("Halo") is None
    assert rb.guess_reason(load_pack("tsel_mkios").to_json(), "GAGAL: Stok tidak cukup") is FailReason.OUT_OF_STOCK
