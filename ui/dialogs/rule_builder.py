"""Buat aturan dari contoh: paste an operator's reply, mark its parts (SN, amount, destination,
stock …) with a button each, say what the reply means, and see the rule that comes out and how the pack
reads all its samples with it. Saving goes through `app.shop_admin.save_rule_pack`; the running engine
picks the pack up through `on_saved` (engine.refresh_suppliers). Nobody types a regular expression:
`app.rule_builder` makes it.
"""
from __future__ import annotations

import html
import logging
from typing import Callable

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QFontDatabase, QIcon, QPainter, QPixmap, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QDialog, QDialogButtonBox, QGroupBox, QHBoxLayout, QLabel,
                               QPlainTextEdit, QPushButton, QRadioButton, QTextEdit, QToolButton, QVBoxLayout,
                               QWidget)

from app import rule_builder as rb
from app import shop_admin
from app.money import rupiah
from app.rule_builder import BuildError, Example, Mark, Part, Proposal
from app.rules import FailReason, Outcome, may_try_next_route, parse_rupiah
from ui.i18n import add_english, tr
from ui.labels import choices, label

log = logging.getLogger(__name__)
C = "Buat aturan"

# the marking buttons, in order, with their highlight colours
PARTS: tuple[tuple[Part, str, str], ...] = (
    (Part.SN, "SN", "#c6e7ff"), (Part.AMOUNT, "Nominal", "#ffe0b2"), (Part.DEST, "Tujuan", "#d7f5d0"),
    (Part.STOCK, "Saldo", "#f3d9fa"), (Part.TRXID, "TrxID", "#fff3a8"), (Part.ANY, "Teks bebas", "#e0e0e0"),
)
PART_TEXT = {part: text for part, text, _colour in PARTS}
PART_COLOUR = {part: colour for part, _text, colour in PARTS}
# group names of a rule (what it reads) → the owner's words
FIELD_TEXT = {"sn": "SN", "amount": "Nominal", "nominal": "Nominal", "dest": "Tujuan", "stock": "Saldo",
              "trxid": "TrxID", "reason": "Alasan"}
OUTCOMES = (Outcome.SUCCESS, Outcome.FAILED, Outcome.PENDING)
ERROR = "color: #d93025;"
GOOD = "color: #1e8e3e;"
MUTED = "color: #5f6368;"


def _swatch(colour: str) -> QIcon:
    """The colour a mark is highlighted in, as the icon of its button."""
    pix = QPixmap(14, 14)
    pix.fill(QColor(colour))
    painter = QPainter(pix)
    painter.setPen(QColor("#9aa0a6"))
    painter.drawRect(0, 0, 13, 13)
    painter.end()
    return QIcon(pix)


class RuleBuilderDialog(QDialog):
    saved = Signal(str)  # the pack's name, once the new rule is saved in it

    def __init__(self, actor: str, pack: str = "", text: str = "", parent: QWidget | None = None,
                 on_saved: Callable[[], None] | None = None):
        super().__init__(parent)
        self.actor = actor
        self.on_saved = on_saved
        self.proposal: Proposal | None = None
        self._source = ""  # the chosen pack's JSON as saved
        self._marks: list[tuple[QTextCursor, Part]] = []
        self.setWindowTitle(tr(C, "Buat aturan dari contoh"))
        layout = QVBoxLayout(self)

        intro = QLabel(tr(C, "Tempel balasan operator, pilih bagian teksnya dengan mouse lalu tekan tombol yang "
                             "sesuai. Aturannya dibuat otomatis dan diuji dengan contoh-contoh yang sudah dikenal."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        row = QHBoxLayout()
        row.addWidget(QLabel(tr(C, "Aturan balasan")))
        self.pack = QComboBox()
        for name in shop_admin.rule_pack_names():
            self.pack.addItem(name, name)
        row.addWidget(self.pack, 1)
        layout.addLayout(row)

        self.text = QPlainTextEdit()
        self.text.setPlaceholderText(tr(C, "Tempel teks balasan operator di sini"))
        self.text.setMinimumHeight(70)
        self.text.setMaximumHeight(150)  # a reply is a few lines; the room below is for the result
        layout.addWidget(self.text)

        marks_row = QHBoxLayout()
        self.mark_buttons: dict[Part, QPushButton] = {}
        for part, part_text, colour in PARTS:
            button = QPushButton(_swatch(colour), tr(C, part_text))
            button.setToolTip(tr(C, "Tandai teks yang dipilih sebagai {part}").format(part=tr(C, part_text)))
            button.clicked.connect(lambda _=False, p=part: self.mark_selection(p))
            self.mark_buttons[part] = button
            marks_row.addWidget(button)
        marks_row.addStretch(1)
        self.auto_button = QPushButton(tr(C, "Tandai otomatis"))
        self.auto_button.setToolTip(tr(C, "Tebak SN, nominal, tujuan, saldo dan TrxID dari kata-kata di sekitarnya"))
        self.auto_button.clicked.connect(self.auto_mark)
        self.clear_button = QPushButton(tr(C, "Hapus tanda"))
        self.clear_button.setToolTip(tr(C, "Hapus tanda pada teks yang dipilih (atau semua tanda)"))
        self.clear_button.clicked.connect(self.clear_marks)
        marks_row.addWidget(self.auto_button)
        marks_row.addWidget(self.clear_button)
        layout.addLayout(marks_row)
        self.marks_label = QLabel()
        self.marks_label.setWordWrap(True)
        self.marks_label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.marks_label)

        outcome_row = QHBoxLayout()
        outcome_row.addWidget(QLabel(tr(C, "Artinya:")))
        self.outcome_group = QButtonGroup(self)
        self.outcome_buttons: dict[Outcome, QRadioButton] = {}
        for i, outcome in enumerate(OUTCOMES):
            button = QRadioButton(label("outcome", outcome.value))
            self.outcome_group.addButton(button, i)
            self.outcome_buttons[outcome] = button
            outcome_row.addWidget(button)
        self.reason = QComboBox()
        self.reason.addItem(tr(C, "Pilih alasan gagal…"), None)
        for code, reason_text in choices("fail_reason"):
            if code != FailReason.UNKNOWN.value:
                self.reason.addItem(reason_text, code)
        outcome_row.addWidget(self.reason)
        outcome_row.addStretch(1)
        layout.addLayout(outcome_row)
        self.reason_hint = QLabel()
        self.reason_hint.setWordWrap(True)
        self.reason_hint.setStyleSheet(MUTED)
        layout.addWidget(self.reason_hint)

        box = QGroupBox(tr(C, "Aturan yang dibuat"))
        result = QVBoxLayout(box)
        self.shape = QLabel()
        self.shape.setWordWrap(True)
        self.shape.setTextFormat(Qt.TextFormat.RichText)
        self.reads = QLabel()
        self.reads.setWordWrap(True)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR)
        self.tested = QLabel()
        self.tested.setWordWrap(True)
        self.tested.setTextFormat(Qt.TextFormat.PlainText)
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.notes.setStyleSheet(MUTED)
        self.pattern_toggle = QToolButton()
        self.pattern_toggle.setText(tr(C, "Pola teknis"))
        self.pattern_toggle.setCheckable(True)
        self.pattern_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.pattern_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.pattern = QPlainTextEdit()
        self.pattern.setReadOnly(True)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.pattern.setFont(mono)
        self.pattern.setMaximumHeight(90)
        self.pattern.hide()
        self.pattern_toggle.toggled.connect(self._toggle_pattern)
        for widget in (self.shape, self.reads, self.error, self.tested, self.notes, self.pattern_toggle,
                       self.pattern):
            result.addWidget(widget)
        layout.addWidget(box)

        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(tr(C, "Simpan aturan"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(tr(C, "Batal"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self._debounce = QTimer(self, singleShot=True, interval=150)  # re-test after typing stops
        self._debounce.timeout.connect(self.update_proposal)
        self.text.textChanged.connect(self._text_changed)
        self.pack.currentIndexChanged.connect(self._pack_changed)
        self.outcome_group.idToggled.connect(lambda _id, on: on and self._outcome_changed())
        self.reason.currentIndexChanged.connect(self._outcome_changed)

        self.pack.setCurrentIndex(max(self.pack.findData(pack), 0))
        self._pack_changed()
        self._outcome_changed()
        if text:
            self.set_text(text)
        self.update_proposal()
        # no fixed minimum: the layout's own (its buttons in either language) stays in force
        self.resize(max(760, self.sizeHint().width()), self.sizeHint().height())

    # --- input ---------------------------------------------------------------------------------

    def set_text(self, text: str) -> None:
        """A reply to learn from: pasted, with a first guess of its marks and its meaning."""
        self.text.blockSignals(True)
        self.text.setPlainText(text)
        self.text.blockSignals(False)
        self._marks.clear()
        self.auto_mark()
        guess = rb.guess_outcome(text)
        if guess is not None:
            self.set_outcome(guess)
            if guess is Outcome.FAILED:
                reason = rb.guess_reason(self._source, text)
                if reason is not None:
                    self.reason.setCurrentIndex(max(self.reason.findData(reason.value), 0))
        self.update_proposal()

    def set_outcome(self, outcome: Outcome) -> None:
        self.outcome_buttons[outcome].setChecked(True)

    def outcome(self) -> Outcome | None:
        return next((o for o, b in self.outcome_buttons.items() if b.isChecked()), None)

    def select(self, start: int, end: int) -> None:
        """Select a span of the text, as the mouse does."""
        cursor = self.text.textCursor()
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        self.text.setTextCursor(cursor)

    @Slot()
    def mark_selection(self, part: Part) -> None:
        cursor = self.text.textCursor()
        if not cursor.hasSelection():
            self._say(tr(C, "Pilih dulu bagian teks yang mau ditandai {part}.").format(part=tr(C, PART_TEXT[part])),
                      ERROR)
            return
        self._add_mark(cursor.selectionStart(), cursor.selectionEnd(), part)
        self._say("", MUTED)
        self.update_proposal()

    def _add_mark(self, start: int, end: int, part: Part) -> None:
        # a new mark replaces the marks it overlaps, and any other mark of the same part
        self._marks = [(c, p) for c, p in self._marks if p is not part and (
            c.selectionEnd() <= start or c.selectionStart() >= end)]
        cursor = QTextCursor(self.text.document())
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        self._marks.append((cursor, part))
        self._paint_marks()

    @Slot()
    def auto_mark(self) -> None:
        self._marks.clear()
        for mark in rb.suggest_marks(self.text.toPlainText()):
            self._add_mark(mark.start, mark.end, mark.part)
        self._paint_marks()
        self.update_proposal()

    @Slot()
    def clear_marks(self) -> None:
        cursor = self.text.textCursor()
        if cursor.hasSelection():
            start, end = cursor.selectionStart(), cursor.selectionEnd()
            self._marks = [(c, p) for c, p in self._marks if c.selectionEnd() <= start or c.selectionStart() >= end]
        else:
            self._marks.clear()
        self._paint_marks()
        self.update_proposal()

    def marks(self) -> tuple[Mark, ...]:
        return tuple(sorted((Mark(c.selectionStart(), c.selectionEnd(), p) for c, p in self._marks
                             if c.hasSelection()), key=lambda m: m.start))

    def _paint_marks(self) -> None:
        self._marks = [(c, p) for c, p in self._marks if c.hasSelection()]  # emptied by an edit
        selections = []
        for cursor, part in self._marks:
            selection = QTextEdit.ExtraSelection()
            fmt = QTextCharFormat()
            fmt.setBackground(QColor(PART_COLOUR[part]))
            selection.format = fmt
            selection.cursor = cursor
            selections.append(selection)
        self.text.setExtraSelections(selections)
        if not self._marks:
            self.marks_label.setText(f"<span style='{MUTED}'>{html.escape(tr(C, 'Belum ada yang ditandai.'))}</span>")
            return
        chips = [f"<span style='background:{PART_COLOUR[p]}; padding:1px 4px;'>{html.escape(tr(C, PART_TEXT[p]))}"
                 f"</span> {html.escape(rb.short(c.selectedText(), 40))}"
                 for c, p in sorted(self._marks, key=lambda m: m[0].selectionStart())]
        self.marks_label.setText(" &nbsp; ".join(chips))

    @Slot()
    def _text_changed(self) -> None:
        self._paint_marks()
        self._debounce.start()

    @Slot()
    def _pack_changed(self) -> None:
        name = self.pack.currentData()
        try:
            self._source = shop_admin.rule_pack_source(name) if name else ""
        except (OSError, ValueError) as exc:
            self._source = ""
            self._say(str(exc), ERROR)
        self.update_proposal()

    @Slot()
    def _outcome_changed(self) -> None:
        failed = self.outcome() is Outcome.FAILED
        self.reason.setEnabled(failed)
        code = self.reason.currentData()
        if failed and code:
            self.reason_hint.setText(tr(C, "Order dicoba lewat chip atau supplier lain.") if may_try_next_route(code)
                                     else tr(C, "Order digagalkan dan saldo reseller dikembalikan."))
        else:
            self.reason_hint.setText("")
        self.reason_hint.setVisible(bool(self.reason_hint.text()))
        self.update_proposal()

    def _toggle_pattern(self, shown: bool) -> None:
        self.pattern.setVisible(shown)
        self.pattern_toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.adjustSize()

    def _say(self, text: str, style: str) -> None:
        self.status.setStyleSheet(style)
        self.status.setText(text)
        self.status.setVisible(bool(text))

    # --- the rule ------------------------------------------------------------------------------

    def example(self) -> Example:
        outcome = self.outcome() or Outcome.UNKNOWN
        code = self.reason.currentData() if outcome is Outcome.FAILED else None
        return Example(self.text.toPlainText(), self.marks(), outcome, FailReason(code) if code else None)

    @Slot()
    def update_proposal(self) -> Proposal | None:
        self._debounce.stop()
        self.proposal = None
        self.save_button.setEnabled(False)
        for widget in (self.shape, self.reads, self.tested, self.notes, self.pattern_toggle, self.pattern):
            widget.hide()
        if not self._source:
            self._show_error(tr(C, "Pilih aturan balasan yang mau ditambah."))
            return None
        try:
            proposal = rb.propose(self._source, self.example(), pack_name=self.pack.currentData() or "")
        except BuildError as exc:
            self._show_error(str(exc))
            return None
        self.error.hide()
        self.proposal = proposal
        self.shape.setText(self._shape_html(proposal))
        self.reads.setText(self._reads_text(proposal))
        n = len(proposal.checks)
        if proposal.conflicts:
            lines = [tr(C, "Bentrok dengan {n} dari {total} contoh; aturan ini tidak bisa disimpan:").format(
                n=len(proposal.conflicts), total=n)]
            lines += [f"• {c.problem}" for c in proposal.conflicts[:8]]
            if len(proposal.conflicts) > 8:
                lines.append(tr(C, "… dan {n} lagi").format(n=len(proposal.conflicts) - 8))
            lines.append(tr(C, "Tandai bagian yang berubah-ubah dengan lebih tepat, atau pilih hasil yang lain."))
            self.tested.setStyleSheet(ERROR)
        else:
            lines = [tr(C, "Diuji dengan {n} contoh: semua terbaca benar.").format(n=n)]
            self.tested.setStyleSheet(GOOD)
        if proposal.broken_before:
            lines.append(tr(C, "{n} contoh sudah salah terbaca sebelum aturan ini (tidak menghalangi simpan).")
                         .format(n=len(proposal.broken_before)))
        self.tested.setText("\n".join(lines))
        self.notes.setText("\n".join(proposal.notes))
        self.pattern.setPlainText(proposal.rule.pattern)
        for widget in (self.shape, self.reads, self.tested, self.pattern_toggle):
            widget.show()
        self.notes.setVisible(bool(proposal.notes))
        self.pattern.setVisible(self.pattern_toggle.isChecked())
        self.save_button.setEnabled(proposal.ok)
        return proposal

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    @staticmethod
    def _shape_html(proposal: Proposal) -> str:
        out = []
        for kind, value in proposal.built.shape:
            if kind == "part":
                part = Part(value)
                out.append(f"<span style='background:{PART_COLOUR[part]}; padding:1px 3px;'>"
                           f"[{html.escape(tr(C, PART_TEXT[part]))}]</span>")
            elif kind == "number":
                out.append(f"<span style='color:#5f6368;' title='{html.escape(value)}'>#</span>")
            else:
                out.append(html.escape(value))
        outcome = label("outcome", proposal.rule.outcome.value)
        if proposal.rule.reason is not None:
            outcome += f" ({label('fail_reason', proposal.rule.reason.value)})"
        head = html.escape(tr(C, "Balasan berbentuk:"))
        tail = html.escape(tr(C, "dibaca sebagai {outcome}. # = angka apa saja.").format(outcome=outcome))
        return f"{head}<br><tt>{''.join(out)}</tt><br>{tail}"

    @staticmethod
    def _reads_text(proposal: Proposal) -> str:
        parts = []
        for key, value in proposal.built.fields.items():
            shown = value
            if key in ("amount", "stock"):
                try:
                    shown = rupiah(parse_rupiah(value))
                except ValueError:
                    pass
            elif key == "nominal":
                shown = rupiah(int(value) * 1000)
            parts.append(f"{tr(C, FIELD_TEXT.get(key, key))}: {shown}")
        return tr(C, "Dari contoh ini terbaca: {fields}").format(fields=" · ".join(parts) or "-")

    # --- saving --------------------------------------------------------------------------------

    def accept(self) -> None:
        proposal = self.update_proposal()
        if proposal is None or not proposal.ok:
            self._say(tr(C, "Aturan belum bisa disimpan: lihat pesan di atas."), ERROR)
            return
        name = self.pack.currentData()
        try:
            shop_admin.save_rule_pack(name, proposal.pack_text, actor=self.actor)
        except shop_admin.AdminError as exc:
            self._say(str(exc), ERROR)
            return
        if self.on_saved is not None:
            self.on_saved()
        self.saved.emit(name)
        super().accept()


add_english(C, {
    "Buat aturan dari contoh": "Rule from an example",
    "Tempel balasan operator, pilih bagian teksnya dengan mouse lalu tekan tombol yang sesuai. Aturannya dibuat "
    "otomatis dan diuji dengan contoh-contoh yang sudah dikenal.":
        "Paste the operator's reply, select a part of it with the mouse and press the matching button. The rule "
        "is made for you and tested against the replies already known.",
    "Aturan balasan": "Reply rules",
    "Tempel teks balasan operator di sini": "Paste the operator's reply here",
    "SN": "SN", "Nominal": "Amount", "Tujuan": "Destination", "Saldo": "Balance", "TrxID": "TrxID",
    "Teks bebas": "Any text", "Alasan": "Reason",
    "Tandai teks yang dipilih sebagai {part}": "Mark the selected text as {part}",
    "Tandai otomatis": "Mark automatically",
    "Tebak SN, nominal, tujuan, saldo dan TrxID dari kata-kata di sekitarnya":
        "Guess SN, amount, destination, balance and TrxID from the words around them",
    "Hapus tanda": "Clear marks",
    "Hapus tanda pada teks yang dipilih (atau semua tanda)": "Clear the marks on the selected text (or all marks)",
    "Artinya:": "It means:",
    "Pilih alasan gagal…": "Choose why it failed…",
    "Aturan yang dibuat": "The rule",
    "Pola teknis": "Technical pattern",
    "Simpan aturan": "Save rule", "Batal": "Cancel",
    "Pilih dulu bagian teks yang mau ditandai {part}.": "First select the part of the text to mark as {part}.",
    "Belum ada yang ditandai.": "Nothing marked yet.",
    "Order dicoba lewat chip atau supplier lain.": "The order is tried on another chip or supplier.",
    "Order digagalkan dan saldo reseller dikembalikan.": "The order fails and the reseller is refunded.",
    "Pilih aturan balasan yang mau ditambah.": "Choose the reply rules to add to.",
    "Bentrok dengan {n} dari {total} contoh; aturan ini tidak bisa disimpan:":
        "Conflicts with {n} of {total} samples; this rule cannot be saved:",
    "… dan {n} lagi": "… and {n} more",
    "Tandai bagian yang berubah-ubah dengan lebih tepat, atau pilih hasil yang lain.":
        "Mark the changing parts more precisely, or choose another meaning.",
    "Diuji dengan {n} contoh: semua terbaca benar.": "Tested with {n} samples: all read correctly.",
    "{n} contoh sudah salah terbaca sebelum aturan ini (tidak menghalangi simpan).":
        "{n} samples were already misread before this rule (saving is still allowed).",
    "Balasan berbentuk:": "A reply shaped like:",
    "dibaca sebagai {outcome}. # = angka apa saja.": "reads as {outcome}. # = any number.",
    "Dari contoh ini terbaca: {fields}": "Read from this example: {fields}",
    "Aturan belum bisa disimpan: lihat pesan di atas.": "The rule cannot be saved yet: see the message above.",
})
