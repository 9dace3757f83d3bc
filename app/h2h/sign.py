"""Signatures of H2H requests and reports (docs/h2h.md, reference h2h.md 3.2 and 9.1 B).

OtomaX `sign`::

    encodeBase64( sha1( "OtomaX|" + memberID + "|" + product + "|" + dest + "|" + refID + "|" + pin + "|" + password ) )

Buyers' software differs in what it Base64-encodes (the raw 20-byte digest or its 40-character hex
text), in the alphabet (standard or URL-safe) and in the `=` padding. Every one of these is accepted;
a `+` that arrived as a space (a standard-Base64 sign sent unencoded in a URL) is turned back first.

JSON API: lowercase hex of HMAC-SHA256(secret, canonical), where canonical is the HTTP method, the
path with its query string exactly as sent, the Unix timestamp and the hex SHA-256 of the raw body,
joined by "\\n". Reports we send are signed with HMAC-SHA256(secret, timestamp + "\\n" + body hash).

Every comparison is constant-time.
"""
from __future__ import annotations

import base64
import hashlib
import hmac

MAX_SKEW_S = 300  # a JSON request's timestamp may be this far from our clock


def otomax_plain(member_id: str, product: str, dest: str, ref_id: str, pin: str, password: str) -> str:
    return f"OtomaX|{member_id}|{product}|{dest}|{ref_id}|{pin}|{password}"


def otomax_signs(member_id: str, product: str, dest: str, ref_id: str, pin: str, password: str) -> list[str]:
    """Every accepted form of the sign, without `=` padding: raw and hex digest, standard and URL-safe
    alphabet."""
    text = otomax_plain(member_id, product, dest, ref_id, pin, password).encode("utf-8")
    raw = hashlib.sha1(text).digest()
    hexed = hashlib.sha1(text).hexdigest().encode("ascii")
    out = []
    for digest in (raw, hexed):
        out.append(base64.b64encode(digest).decode("ascii").rstrip("="))
        out.append(base64.urlsafe_b64encode(digest).decode("ascii").rstrip("="))
    return out


def otomax_sign(member_id: str, product: str, dest: str, ref_id: str, pin: str, password: str) -> str:
    """The sign as we send it ourselves: the raw digest, URL-safe Base64, no padding (the aggregator's
    sample)."""
    return otomax_signs(member_id, product, dest, ref_id, pin, password)[1]


def normalize_sign(sign: str) -> str:
    """The received sign with spaces back to `+` and the padding dropped."""
    return sign.strip().replace(" ", "+").rstrip("=")


def otomax_verify(sign: str, member_id: str, product: str, dest: str, ref_id: str, pin: str, password: str) -> bool:
    received = normalize_sign(sign).encode("ascii", "replace")
    ok = False
    for candidate in otomax_signs(member_id, product, dest, ref_id, pin, password):
        # all four are compared, so the time taken says nothing about which form came close
        ok |= hmac.compare_digest(received, candidate.encode("ascii"))
    return ok


# --- the JSON API ---------------------------------------------------------------------------------

def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def canonical(method: str, path: str, timestamp: str, body: bytes) -> str:
    return "\n".join((method.upper(), path, timestamp, body_hash(body)))


def request_signature(secret: str, method: str, path: str, timestamp: str, body: bytes) -> str:
    """X-Pulsa-Signature of a request: `path` with its query string exactly as sent."""
    return hmac.new(secret.encode("utf-8"), canonical(method, path, timestamp, body).encode("utf-8"),
                    hashlib.sha256).hexdigest()


def request_verify(signature: str, secret: str, method: str, path: str, timestamp: str, body: bytes) -> bool:
    expected = request_signature(secret, method, path, timestamp, body)
    return hmac.compare_digest(signature.strip().lower().encode("ascii", "replace"), expected.encode("ascii"))


def fresh(timestamp: str, now_unix: float, max_skew: int = MAX_SKEW_S) -> bool:
    """The timestamp is Unix seconds (digits only) within `max_skew` of our clock."""
    text = timestamp.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        return False
    return abs(int(text) - now_unix) <= max_skew


def report_signature(secret: str, timestamp: str, body: bytes) -> str:
    """X-Pulsa-Signature of a JSON report (callback) we send."""
    return hmac.new(secret.encode("utf-8"), f"{timestamp}\n{body_hash(body)}".encode("utf-8"),
                    hashlib.sha256).hexdigest()
