"""The worked examples of reference h2h.md verify: the OtomaX sign in every encoding (3.2) and the JSON
API's HMAC-SHA256 (9.1 B)."""
from __future__ import annotations

import hashlib
import hmac

import pytest

from app.h2h import sign

EXAMPLE = ("ABC001", "S10", "081234567890", "INV0001", "1234", "rahasia")


def test_the_otomax_example_string_and_digest():
    assert sign.otomax_plain(*EXAMPLE) == "OtomaX|ABC001|S10|081234567890|INV0001|1234|rahasia"
    assert hashlib.sha1(sign.otomax_plain(*EXAMPLE).encode()).hexdigest() == "c28b2967e2489b08036abcb596c3e924e1aac56c"


@pytest.mark.parametrize("value", [
    "wospZ-JImwgDary1lsPpJOGqxWw",  # raw digest, URL-safe, no padding (the aggregator's sample)
    "wospZ+JImwgDary1lsPpJOGqxWw=",  # raw digest, standard Base64
    "YzI4YjI5NjdlMjQ4OWIwODAzNmFiY2I1OTZjM2U5MjRlMWFhYzU2Yw==",  # hex digest, standard Base64
    "wospZ+JImwgDary1lsPpJOGqxWw",  # standard without padding
    "wospZ-JImwgDary1lsPpJOGqxWw=",  # URL-safe with padding
    "YzI4YjI5NjdlMjQ4OWIwODAzNmFiY2I1OTZjM2U5MjRlMWFhYzU2Yw",  # hex digest without padding
    "wospZ JImwgDary1lsPpJOGqxWw=",  # standard Base64 sent unencoded: "+" arrived as a space
])
def test_every_encoding_of_the_example_verifies(value):
    assert sign.otomax_verify(value, *EXAMPLE)


@pytest.mark.parametrize("changed", [
    ("ABC002", "S10", "081234567890", "INV0001", "1234", "rahasia"),
    ("ABC001", "S10", "081234567890", "INV0001", "1234", "rahasiA"),
    ("ABC001", "S10", "081234567890", "INV0001", "4321", "rahasia"),
    ("ABC001", "S10", "081234567890", "INV0002", "1234", "rahasia"),
    ("ABC001", "S20", "081234567890", "INV0001", "1234", "rahasia"),
    ("ABC001", "S10", "081234567891", "INV0001", "1234", "rahasia"),
])
def test_the_example_sign_does_not_verify_other_values(changed):
    assert not sign.otomax_verify("wospZ-JImwgDary1lsPpJOGqxWw", *changed)


@pytest.mark.parametrize("value", ["", "wospZ-JImwgDary1lsPpJOGqxW", "c28b2967e2489b08036abcb596c3e924e1aac56c",
                                   "wospZ-JImwgDary1lsPpJOGqxWw==x", "é"])
def test_near_misses_and_garbage_do_not_verify(value):
    assert not sign.otomax_verify(value, *EXAMPLE)


def test_we_sign_in_the_aggregators_form():
    assert sign.otomax_sign(*EXAMPLE) == "wospZ-JImwgDary1lsPpJOGqxWw"


BODY = b'{"ref_id":"INV0001","product":"S10","dest":"081234567890"}'


def test_the_json_example_body_hash_and_signature():
    assert sign.body_hash(BODY) == "e6532fc492c50731647baed6c8812824875592b080e487ead11097b3f9574551"
    assert sign.request_signature("s3cret-key", "POST", "/api/v1/orders", "1767225600", BODY) == \
        "ebba27bc6c84748f044e04e65e98142bc6ccf2f54d147abba09800db34916b3f"
    assert sign.request_verify("ebba27bc6c84748f044e04e65e98142bc6ccf2f54d147abba09800db34916b3f", "s3cret-key",
                               "POST", "/api/v1/orders", "1767225600", BODY)
    assert sign.request_verify("EBBA27BC6C84748F044E04E65E98142BC6CCF2F54D147ABBA09800DB34916B3F", "s3cret-key",
                               "POST", "/api/v1/orders", "1767225600", BODY)


@pytest.mark.parametrize("method, path, stamp, body, secret", [
    ("GET", "/api/v1/orders", "1767225600", BODY, "s3cret-key"),
    ("POST", "/api/v1/orders?x=1", "1767225600", BODY, "s3cret-key"),
    ("POST", "/api/v1/orders", "1767225601", BODY, "s3cret-key"),
    ("POST", "/api/v1/orders", "1767225600", BODY + b" ", "s3cret-key"),
    ("POST", "/api/v1/orders", "1767225600", BODY, "s3cret-kez"),
])
def test_the_json_example_signature_covers_every_part(method, path, stamp, body, secret):
    assert not sign.request_verify("ebba27bc6c84748f044e04e65e98142bc6ccf2f54d147abba09800db34916b3f", secret,
                                   method, path, stamp, body)


def test_an_empty_body_hashes_as_the_empty_string():
    assert sign.body_hash(b"") == hashlib.sha256(b"").hexdigest()


def test_timestamps_within_300_seconds_only():
    now = 1767225600
    assert sign.fresh("1767225600", now) and sign.fresh("1767225900", now) and sign.fresh("1767225300", now)
    assert not sign.fresh("1767225901", now) and not sign.fresh("1767225299", now)
    for bad in ("", "abc", "1767225600.5", "-1767225600", "１７６７２２５６００", "9" * 20):
        assert not sign.fresh(bad, now)


def test_report_signature_is_timestamp_newline_body_hash():
    body = b'{"event_id":"7"}'
    expected = hmac.new(b"rahasia", b"1767225600\n" + hashlib.sha256(body).hexdigest().encode(),
                        hashlib.sha256).hexdigest()
    assert sign.report_signature("rahasia", "1767225600", body) == expected
