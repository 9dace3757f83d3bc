"""How we speak to an H2H supplier over HTTP, per dialect (reference h2h.md 3, 4.1 and 9): the order
request, the status check by our reference, and what an answer or a callback says. Plain values in and
out; no network, no database (app/h2h/buying.py sends and settles).

| dialect | order | status check | callback |
|---|---|---|---|
| `h2h_otomax` | `GET …/trx?product&qty=1&dest&refID&memberID&sign` | the same + `check=1` | `?refid=…&message=…` |
| `h2h_st24` | `GET …?id&pin&user&pass&kodeproduk&tujuan&idtrx` | the same `idtrx` again | `?clientid&statuscode…` |
| `h2h_json` | `POST …/api/v1/orders` (HMAC) | `GET …/api/v1/orders/{ref}` | `POST` JSON, signed |

Every request carries a `shown` form for the attempt row and the log: PIN, password and sign masked.
"""
from __future__ import annotations

import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Mapping
from urllib.parse import quote, urlencode, urlsplit

from app.h2h import sign as signing
from app.rules import Outcome
from app.supplier_config import SupplierConfig

MASK = "***"
DIALECTS = ("h2h_otomax", "h2h_st24", "h2h_json")
SECRET_PARAMS = frozenset({"pin", "pass", "password", "sign"})


@dataclass(frozen=True)
class Outgoing:
    """One HTTP request to the supplier."""

    method: str
    url: str  # without the query string
    params: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def shown(self) -> str:
        """The request as stored and logged: secrets masked."""
        query = urlencode({k: (MASK if k.lower() in SECRET_PARAMS else v) for k, v in self.params.items()})
        text = f"{self.method} {self.url}" + (f"?{query}" if query else "")
        if self.body:
            text += " " + self.body.decode("utf-8", "replace")
        return text[:200]


@dataclass(frozen=True)
class Reading:
    """What an answer or a callback says about one of our references. `text` is read by the supplier's
    rule pack; `status` (a callback's statuscode, the JSON status) wins over it when present."""

    ref: str
    text: str
    status: Outcome | None = None
    sn: str = ""
    trxid: str = ""
    not_found: bool = False  # the supplier does not know this reference


def with_path(url: str, ending: str) -> str:
    """`url` with `ending` as the end of its path, added unless it is there already."""
    base = url.rstrip("/")
    return base if urlsplit(base).path.endswith(ending) else base + ending


# --- requests -----------------------------------------------------------------------------------------

def order_request(kind: str, cfg: SupplierConfig, ref: str, code: str, dest: str, *, check: bool = False,
                  now_unix: float | None = None) -> Outgoing:
    """The order (or, with `check`, the status check) of `code` to `dest` under our reference `ref`."""
    if kind == "h2h_otomax":
        params = {"product": code, "qty": "1", "dest": dest, "refID": ref, "memberID": cfg.member_id}
        if cfg.sign == "plain":
            params.update(pin=cfg.pin, password=cfg.password)
        else:
            params["sign"] = signing.otomax_sign(cfg.member_id, code, dest, ref, cfg.pin, cfg.password)
        if check:
            params["check"] = "1"
        return Outgoing("GET", with_path(cfg.url, "/trx"), params)
    if kind == "h2h_st24":  # a status check is the same request again (h2h.md 4.1)
        return Outgoing("GET", cfg.url.rstrip("/") if urlsplit(cfg.url).path not in ("", "/")
                        else with_path(cfg.url, "/api"),
                        {"id": cfg.member_id, "pin": cfg.pin, "user": cfg.user or cfg.member_id,
                         "pass": cfg.password, "kodeproduk": code, "tujuan": dest, "idtrx": ref})
    if kind == "h2h_json":
        base = with_path(cfg.url, "/api/v1")
        if check:
            path_url = f"{base}/orders/{quote(ref, safe='')}"
            return _signed(cfg, "GET", path_url, b"", now_unix)
        body = json.dumps({"ref_id": ref, "product": code, "dest": dest}, separators=(",", ":")).encode()
        return _signed(cfg, "POST", f"{base}/orders", body, now_unix)
    raise ValueError(f"unknown H2H dialect {kind!r}")


def _signed(cfg: SupplierConfig, method: str, url: str, body: bytes, now_unix: float | None) -> Outgoing:
    stamp = str(int(time.time() if now_unix is None else now_unix))
    path = urlsplit(url).path
    headers = {"X-Pulsa-Key": cfg.member_id, "X-Pulsa-Timestamp": stamp,
               "X-Pulsa-Signature": signing.request_signature(cfg.password, method, path, stamp, body)}
    if body:
        headers["Content-Type"] = "application/json"
    return Outgoing(method, url, {}, body, headers)


# --- answers ------------------------------------------------------------------------------------------

_JSON_STATUS = {"success": Outcome.SUCCESS, "failed": Outcome.FAILED, "processing": Outcome.PENDING}


def read_answer(kind: str, ref: str, status: int, text: str) -> Reading:
    """The supplier's synchronous answer (HTTP status and body) to an order or a status check."""
    if kind != "h2h_json":
        return Reading(ref, text.strip())
    if status == 404:
        return Reading(ref, text.strip(), not_found=True)
    try:
        data = json.loads(text)
    except ValueError:
        return Reading(ref, text.strip())
    if not isinstance(data, dict):
        return Reading(ref, text.strip())
    return _json_reading(ref, data)


def _json_reading(ref: str, data: Mapping) -> Reading:
    message = str(data.get("message") or data.get("reason_code") or data.get("error") or "")
    outcome = _JSON_STATUS.get(str(data.get("status") or "").lower())
    return Reading(str(data.get("ref_id") or ref), message, outcome, str(data.get("sn") or ""),
                   str(data.get("trx_id") or ""))


# --- callbacks ----------------------------------------------------------------------------------------

class BadCallback(ValueError):
    """A callback we cannot read (or, for JSON, whose signature is wrong); carries the HTTP status."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def read_callback(kind: str, cfg: SupplierConfig, params: Mapping[str, str], body: bytes,
                  headers: Mapping[str, str]) -> Reading:
    """A callback (report) from the supplier: the reference it is about and what it says."""
    p = {k.lower(): v for k, v in params.items()}
    if kind == "h2h_otomax":
        ref, message = p.get("refid", ""), p.get("message", "")
        if not ref or not message:
            raise BadCallback("refid dan message wajib")
        return Reading(ref, message)
    if kind == "h2h_st24":
        ref = p.get("clientid", "")
        if not ref:
            raise BadCallback("clientid wajib")
        code = p.get("statuscode", "").strip()
        status = {"1": Outcome.SUCCESS, "2": Outcome.FAILED}.get(code)
        return Reading(ref, p.get("msg", ""), status, p.get("sn", ""), p.get("serverid", ""))
    if kind == "h2h_json":
        stamp = headers.get("X-Pulsa-Timestamp", "")
        expected = signing.report_signature(cfg.password, stamp, body)
        given = headers.get("X-Pulsa-Signature", "").strip().lower()
        if not stamp or not hmac.compare_digest(given.encode("ascii", "replace"), expected.encode("ascii")):
            raise BadCallback("tanda tangan salah", 401)
        try:
            data = json.loads(body)
        except ValueError:
            raise BadCallback("body bukan JSON") from None
        if not isinstance(data, dict) or not data.get("ref_id"):
            raise BadCallback("ref_id wajib")
        return _json_reading(str(data["ref_id"]), data)
    raise BadCallback(f"jenis supplier {kind} tidak menerima callback", 404)
