"""What a chip's own history says about an order left suspect (a crash, a lost answer).

The history (the operator's "last five" list, newest first) is read against the chip's attempts as the
database knows them, newest first. The attempts whose answer came back bound the stretch of the list
where the suspect's line must be: after the last known one before it, before the first known one after
it. In that stretch one line for the suspect's destination and amount settles it; none at all, with
the known line before it found, means the request never reached the operator. Anything less clear
leaves the order for the owner.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from .rules import HistoryEntry, Outcome


@dataclass(frozen=True)
class ChipAttempt:
    attempt_id: int
    order_id: int
    dest: str
    amount: int  # rupiah, as the history prints it
    reached: bool  # the operator answered it, so its line is in the history


class Verdict(str, enum.Enum):
    SUCCESS = "success"
    FAILED = "failed"
    NOT_SENT = "not_sent"  # no line in a stretch of the list that holds everything since before it
    UNKNOWN = "unknown"


def judge(suspect: ChipAttempt, attempts: list[ChipAttempt], entries: list[HistoryEntry]) -> Verdict:
    """`attempts` are the chip's, newest first, `suspect` among them; `entries` newest first."""
    key = (suspect.dest, suspect.amount)
    at = next((i for i, a in enumerate(attempts) if a.attempt_id == suspect.attempt_id), None)
    if at is None:
        return Verdict.UNKNOWN
    newer = next((a for a in reversed(attempts[:at]) if a.reached), None)
    older = next((a for a in attempts[at + 1:] if a.reached), None)
    upper = 0 if newer is None else _line_of(newer, entries)
    lower = None if older is None else _line_of(older, entries)
    if upper is None or lower is None:
        return _by_unique_line(suspect, attempts, entries)
    if newer is not None:
        upper += 1
    if upper > lower:
        return Verdict.UNKNOWN  # the list and the database disagree on the order of things
    between = attempts[attempts.index(newer) + 1 if newer else 0:attempts.index(older)]
    if any((a.dest, a.amount) == key for a in between if a.attempt_id != suspect.attempt_id):
        return Verdict.UNKNOWN  # another attempt for the same number and amount in the same stretch
    lines = [e for e in entries[upper:lower] if (e.dest, e.amount) == key]
    if not lines:
        return Verdict.NOT_SENT
    return _verdict_of(lines[0]) if len(lines) == 1 else Verdict.UNKNOWN


def _line_of(attempt: ChipAttempt, entries: list[HistoryEntry]) -> int | None:
    lines = [i for i, e in enumerate(entries) if (e.dest, e.amount) == (attempt.dest, attempt.amount)]
    return lines[0] if len(lines) == 1 else None


def _by_unique_line(suspect: ChipAttempt, attempts: list[ChipAttempt], entries: list[HistoryEntry]) -> Verdict:
    """Without known neighbours in the list: one line for the number and amount, and no other
    attempt on this chip that it could belong to."""
    key = (suspect.dest, suspect.amount)
    if any((a.dest, a.amount) == key for a in attempts if a.attempt_id != suspect.attempt_id):
        return Verdict.UNKNOWN
    lines = [e for e in entries if (e.dest, e.amount) == key]
    return _verdict_of(lines[0]) if len(lines) == 1 else Verdict.UNKNOWN


def _verdict_of(entry: HistoryEntry) -> Verdict:
    if entry.status == Outcome.SUCCESS:
        return Verdict.SUCCESS
    if entry.status == Outcome.FAILED:
        return Verdict.FAILED
    return Verdict.UNKNOWN  # still processing at the operator: ask again later
