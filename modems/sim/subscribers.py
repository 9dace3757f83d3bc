"""Virtual phones: airtime balance, received SMS, top-up history."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .templates import now_wib

STATES = ("active", "grace", "blocked")


@dataclass
class ReceivedSms:
    sender: str
    text: str
    when: datetime
    parts: int = 1

    def as_dict(self) -> dict:
        return {"from": self.sender, "text": self.text, "time": self.when.isoformat(timespec="seconds"),
                "parts": self.parts}


@dataclass
class TopUp:
    amount: int
    source: str
    sn: str
    when: datetime

    def as_dict(self) -> dict:
        return {"amount": self.amount, "source": self.source, "sn": self.sn,
                "time": self.when.isoformat(timespec="seconds")}


@dataclass
class Subscriber:
    msisdn: str
    operator: str | None
    airtime: int = 0
    state: str = "active"
    inbox: list[ReceivedSms] = field(default_factory=list)
    topups: list[TopUp] = field(default_factory=list)

    def credit(self, amount: int, source: str, sn: str = "") -> None:
        self.airtime += amount
        self.topups.append(TopUp(amount, source, sn, now_wib()))

    def receive(self, sender: str, text: str, parts: int = 1) -> None:
        self.inbox.append(ReceivedSms(sender, text, now_wib(), parts))

    def as_dict(self) -> dict:
        return {"msisdn": self.msisdn, "operator": self.operator, "airtime": self.airtime,
                "state": self.state, "sms_received": len(self.inbox),
                "topups": [t.as_dict() for t in self.topups]}
