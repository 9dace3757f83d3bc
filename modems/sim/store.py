"""The SIM's SMS store: a small, indexed, size-limited memory (modems.md 5, 11)."""
from __future__ import annotations

from dataclasses import dataclass

# +CMGL/+CMGR <stat> values in PDU mode
REC_UNREAD, REC_READ, STO_UNSENT, STO_SENT = 0, 1, 2, 3


@dataclass
class StoredMessage:
    index: int
    stat: int
    pdu: str
    length: int  # TPDU octets, as printed in +CMGR/+CMGL
    report: bool = False


def tpdu_length(pdu_hex: str) -> int:
    sca_len = int(pdu_hex[:2], 16)
    return len(pdu_hex) // 2 - 1 - sca_len


class SmsStore:
    def __init__(self, capacity: int, first_index: int = 1) -> None:
        self.capacity = capacity
        self.first_index = first_index
        self.slots: dict[int, StoredMessage] = {}

    @property
    def used(self) -> int:
        return len(self.slots)

    @property
    def full(self) -> bool:
        return self.used >= self.capacity

    def valid_index(self, index: int) -> bool:
        return self.first_index <= index < self.first_index + self.capacity

    def add(self, pdu: str, report: bool = False, stat: int = REC_UNREAD) -> int | None:
        for index in range(self.first_index, self.first_index + self.capacity):
            if index not in self.slots:
                self.slots[index] = StoredMessage(index, stat, pdu, tpdu_length(pdu), report)
                return index
        return None

    def get(self, index: int) -> StoredMessage | None:
        return self.slots.get(index)

    def delete(self, index: int) -> bool:
        return self.slots.pop(index, None) is not None

    def delete_by_flag(self, flag: int) -> None:
        """AT+CMGD=<i>,<flag>: 1 read, 2 read+sent, 3 read+sent+unsent, 4 all."""
        keep = {1: {REC_UNREAD, STO_UNSENT, STO_SENT}, 2: {REC_UNREAD, STO_UNSENT},
                3: {REC_UNREAD}, 4: set()}[flag]
        self.slots = {i: m for i, m in self.slots.items() if m.stat in keep}

    def listing(self, stat: int) -> list[StoredMessage]:
        return [m for i, m in sorted(self.slots.items()) if stat == 4 or m.stat == stat]
