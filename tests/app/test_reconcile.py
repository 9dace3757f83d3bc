"""Reading a chip's history against its attempts (app/reconcile.py)."""
from __future__ import annotations

import datetime as dt

from app.reconcile import ChipAttempt, Verdict, judge
from app.rules import HistoryEntry, Outcome

D = "081300000001"
OTHER = "081300000002"


def line(dest: str, nominal: int = 10, status: Outcome = Outcome.SUCCESS) -> HistoryEntry:
    return HistoryEntry(0, dest, nominal, dt.time(10, 0), status)


def attempt(n: int, dest: str, reached: bool = True, amount: int = 10_000) -> ChipAttempt:
    return ChipAttempt(n, 100 + n, dest, amount, reached)


def test_a_line_after_the_last_known_attempt_settles_it():
    suspect = attempt(3, D, reached=False)
    attempts = [suspect, attempt(2, OTHER)]
    assert judge(suspect, attempts, [line(D), line(OTHER)]) == Verdict.SUCCESS
    assert judge(suspect, attempts, [line(D, status=Outcome.FAILED), line(OTHER)]) == Verdict.FAILED
    assert judge(suspect, attempts, [line(D, status=Outcome.PENDING), line(OTHER)]) == Verdict.UNKNOWN


def test_no_line_since_the_last_known_attempt_means_it_never_reached_the_operator():
    suspect = attempt(3, D, reached=False)
    assert judge(suspect, [suspect, attempt(2, OTHER)], [line(OTHER), line("081300000009")]) == Verdict.NOT_SENT


def test_an_earlier_top_up_of_the_same_number_is_not_taken_for_the_suspect():
    # the old reading (one line for the number → success) would have charged for airtime never sent
    suspect = attempt(3, D, reached=False)
    assert judge(suspect, [suspect, attempt(2, D)], [line(D), line(OTHER)]) == Verdict.NOT_SENT
    assert judge(suspect, [suspect, attempt(2, D)], [line(D), line(D), line(OTHER)]) == Verdict.UNKNOWN


def test_known_attempts_after_the_suspect_bound_the_stretch_from_above():
    suspect = attempt(3, D, reached=False)
    attempts = [attempt(5, "081300000005"), attempt(4, "081300000004"), suspect, attempt(2, OTHER)]
    entries = [line("081300000005"), line("081300000004"), line(D, status=Outcome.FAILED), line(OTHER)]
    assert judge(suspect, attempts, entries) == Verdict.FAILED
    entries = [line("081300000005"), line("081300000004"), line(OTHER)]
    assert judge(suspect, attempts, entries) == Verdict.NOT_SENT
    # the same number topped up again later: the one line for it is the later attempt's
    attempts = [attempt(4, D), suspect, attempt(2, OTHER)]
    assert judge(suspect, attempts, [line(D), line(OTHER)]) == Verdict.NOT_SENT
    # two lines for it: which is whose cannot be told from the number alone
    assert judge(suspect, attempts, [line(D), line(D, status=Outcome.FAILED), line(OTHER)]) == Verdict.UNKNOWN


def test_a_list_that_has_moved_past_the_suspect_proves_nothing():
    suspect = attempt(3, D, reached=False)
    attempts = [attempt(9, "081300000009"), suspect, attempt(2, OTHER)]
    entries = [line("081300000009")]  # the known line before the suspect has scrolled away
    assert judge(suspect, attempts, entries) == Verdict.UNKNOWN
    # a unique line for a number no other attempt used still tells
    assert judge(suspect, attempts, [line("081300000009"), line(D)]) == Verdict.SUCCESS


def test_without_a_known_attempt_before_it_a_missing_line_proves_nothing():
    suspect = attempt(1, D, reached=False)
    assert judge(suspect, [suspect], [line(OTHER)]) == Verdict.UNKNOWN
    assert judge(suspect, [suspect], [line(D), line(OTHER)]) == Verdict.SUCCESS


def test_two_unsent_attempts_for_the_same_number_and_amount_are_left_to_the_owner():
    suspect = attempt(4, D, reached=False)
    attempts = [suspect, attempt(3, D, reached=False), attempt(2, OTHER)]
    assert judge(suspect, attempts, [line(D), line(OTHER)]) == Verdict.UNKNOWN


def test_another_amount_for_the_same_number_is_another_line():
    suspect = attempt(3, D, reached=False)
    attempts = [suspect, attempt(2, OTHER)]
    assert judge(suspect, attempts, [line(D, nominal=5), line(OTHER)]) == Verdict.NOT_SENT
