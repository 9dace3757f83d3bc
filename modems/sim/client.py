"""A client of the virtual network's control API, for tests, benchmarks and tools (docs/simulator.md).

    api = ControlClient.of(net)                       # or ControlClient("http://127.0.0.1:8765", token)
    api("POST", "/api/sms", {"from": "081211110001", "to": "081200000001", "text": "S10.0813….1234"})
    status, payload = api.request("GET", "/api/nothing")     # the status too, never raises for 4xx
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from .control import TOKEN_HEADER, ApiError


class ControlClient:
    def __init__(self, url: str, token: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout

    @classmethod
    def of(cls, net: Any, timeout: float = 10.0) -> "ControlClient":
        """The client of a started SimNetwork (or anything with `control_url` and `control_token`)."""
        if not net.control_url:
            raise ValueError("the network has no control API")
        return cls(net.control_url, net.control_token, timeout)

    def headers(self) -> dict[str, str]:
        return {TOKEN_HEADER: self.token, "Content-Type": "application/json"}

    def request(self, method: str, path: str, body: Any = None, *, raw: bytes | None = None,
                timeout: float | None = None) -> tuple[int, Any]:
        """(HTTP status, decoded JSON answer); an error answer is returned, not raised."""
        data = raw if raw is not None else (json.dumps(body).encode("utf-8") if body is not None else None)
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=self.headers())
        try:
            with urllib.request.urlopen(req, timeout=timeout or self.timeout) as resp:
                return resp.status, json.loads(resp.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, json.loads(exc.read().decode("utf-8") or "null")

    def __call__(self, method: str, path: str, body: Any = None, *, timeout: float | None = None) -> Any:
        """The decoded answer; ApiError (with the status) for an error answer."""
        status, payload = self.request(method, path, body, timeout=timeout)
        if status >= 400:
            message = payload.get("error") if isinstance(payload, dict) else payload
            raise ApiError(f"{method} {path}: {status} {message}", status)
        return payload

    def get(self, path: str, *, timeout: float | None = None) -> Any:
        return self(path=path, method="GET", timeout=timeout)

    def post(self, path: str, body: Any = None, *, timeout: float | None = None) -> Any:
        return self("POST", path, body if body is not None else {}, timeout=timeout)
