"""Finding modems: list ports, probe each for identity, bind devices by IMEI and chips by ICCID.

Port names change across reboots and re-plugs, so a modem is known by its IMEI and the SIM in
it (the chip that holds reload stock) by its ICCID. The registry remembers the last port of
each IMEI and which IMEI/IMSI each ICCID was last seen with; a modem that comes back on another
port is therefore recognised as the same one (modems.md section 10).
"""
from __future__ import annotations

import json
import logging
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from serial.tools import list_ports

from modems.driver import Modem, ModemConfig
from modems.types import ModemInfo

log = logging.getLogger(__name__)

# USB vendors whose interfaces are worth probing; Huawei names the AT port "PC UI Interface".
MODEM_VIDS = {0x12D1: "huawei", 0x19D2: "zte", 0x1E0E: "simcom", 0x2C7C: "quectel", 0x1BC7: "telit",
              0x05C6: "qualcomm", 0x1199: "sierra", 0x1A86: "ch340", 0x10C4: "cp210x", 0x0403: "ftdi",
              0x067B: "prolific"}
_PREFERRED_WORDS = ("pc ui", "at port", "at interface", "modem", "application")


@dataclass(frozen=True)
class PortCandidate:
    url: str
    description: str = ""
    hwid: str = ""
    vid: int | None = None
    pid: int | None = None
    serial_number: str | None = None
    location: str | None = None
    configured: bool = False  # came from the extra URL list

    @property
    def score(self) -> int:
        desc = self.description.lower()
        s = 0
        if self.configured:
            s += 100
        if self.vid in MODEM_VIDS:
            s += 10
        if any(w in desc for w in _PREFERRED_WORDS):
            s += 5
        if "diagnostic" in desc or "nmea" in desc or "gps" in desc:
            s -= 20
        return s


@dataclass(frozen=True)
class ProbeResult:
    url: str
    info: ModemInfo | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.info is not None and bool(self.info.imei)


def list_candidates(extra_urls: Iterable[str] = (), *, include_all: bool = False) -> list[PortCandidate]:
    """Local serial ports (USB ones only unless ``include_all``) plus configured URLs,
    best candidates first."""
    out: dict[str, PortCandidate] = {}
    for url in extra_urls:
        out[url] = PortCandidate(url, configured=True)
    try:
        ports = list_ports.comports()
    except Exception:  # list_ports can fail on odd systems; discovery must not
        log.exception("listing serial ports failed")
        ports = []
    for p in ports:
        if not include_all and p.vid is None:
            continue  # legacy /dev/ttyS*: rarely a modem, slow to probe
        out.setdefault(p.device, PortCandidate(
            p.device, p.description or "", p.hwid or "", p.vid, p.pid, p.serial_number, p.location,
        ))
    return sorted(out.values(), key=lambda c: -c.score)


def probe(url: str, config: ModemConfig | None = None, timeout: float = 2.0) -> ProbeResult:
    """Open ``url``, ask ``AT``, IMEI, IMSI, ICCID with short timeouts, close."""
    try:
        info = Modem(url, config or ModemConfig(), modem_id=f"probe:{url}").identify(timeout)
    except Exception as exc:
        log.debug("probe %s: %s", url, exc)
        return ProbeResult(url, None, str(exc))
    return ProbeResult(url, info, None if info.imei else "no IMEI")


@dataclass
class DeviceRecord:
    imei: str
    port_url: str
    manufacturer: str = ""
    model: str = ""
    iccid: str = ""


@dataclass
class SimRecord:
    iccid: str
    imsi: str = ""
    imei: str = ""  # device the SIM was last seen in


@dataclass(frozen=True)
class Binding:
    info: ModemInfo
    new_device: bool
    moved_from: str | None  # previous port of this IMEI, when it changed
    new_sim: bool
    sim_moved_from: str | None  # previous IMEI of this ICCID, when the SIM changed device


@dataclass
class ModemRegistry:
    """IMEI → device (last port), ICCID → SIM. Optional JSON file for persistence."""

    path: Path | None = None
    devices: dict[str, DeviceRecord] = field(default_factory=dict)
    sims: dict[str, SimRecord] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        if self.path is not None and Path(self.path).exists():
            self.load()

    def bind(self, info: ModemInfo) -> Binding:
        if not info.imei:
            raise ValueError("cannot bind a modem without an IMEI")
        with self._lock:
            dev = self.devices.get(info.imei)
            moved = dev.port_url if dev is not None and dev.port_url != info.port_url else None
            new_device = dev is None
            # another IMEI that claimed this port is stale now
            for other in self.devices.values():
                if other.imei != info.imei and other.port_url == info.port_url:
                    other.port_url = ""
            self.devices[info.imei] = DeviceRecord(info.imei, info.port_url, info.manufacturer, info.model, info.iccid)
            new_sim, sim_moved = False, None
            if info.iccid:
                sim = self.sims.get(info.iccid)
                new_sim = sim is None
                if sim is not None and sim.imei and sim.imei != info.imei:
                    sim_moved = sim.imei
                self.sims[info.iccid] = SimRecord(info.iccid, info.imsi, info.imei)
        if moved:
            log.info("modem %s moved from %s to %s", info.imei, moved, info.port_url)
        self.save()
        return Binding(info, new_device, moved, new_sim, sim_moved)

    def port_for(self, imei: str) -> str | None:
        dev = self.devices.get(imei)
        return dev.port_url or None if dev else None

    def sim(self, iccid: str) -> SimRecord | None:
        return self.sims.get(iccid)

    def save(self) -> None:
        if self.path is None:
            return
        data = {"devices": [asdict(d) for d in self.devices.values()],
                "sims": [asdict(s) for s in self.sims.values()]}
        tmp = Path(f"{self.path}.tmp")
        tmp.write_text(json.dumps(data, indent=1))
        os.replace(tmp, self.path)

    def load(self) -> None:
        assert self.path is not None
        try:
            data = json.loads(Path(self.path).read_text())
            self.devices = {d["imei"]: DeviceRecord(**d) for d in data.get("devices", [])}
            self.sims = {s["iccid"]: SimRecord(**s) for s in data.get("sims", [])}
        except (OSError, ValueError, TypeError, KeyError):
            log.exception("modem registry %s unreadable; starting empty", self.path)


def discover(
    extra_urls: Iterable[str] = (),
    registry: ModemRegistry | None = None,
    *,
    config: ModemConfig | None = None,
    timeout: float = 2.0,
    exclude: Iterable[str] = (),
    include_all: bool = False,
    max_workers: int = 8,
) -> list[Binding]:
    """Probe every candidate port (in parallel) and bind each modem found in ``registry``.

    ``exclude``: ports already owned by running workers; they are never touched.
    """
    skip = set(exclude)
    candidates = [c for c in list_candidates(extra_urls, include_all=include_all) if c.url not in skip]
    if not candidates:
        return []
    with ThreadPoolExecutor(max_workers=min(max_workers, len(candidates)), thread_name_prefix="probe") as pool:
        results = list(pool.map(lambda c: probe(c.url, config, timeout), candidates))
    reg = registry if registry is not None else ModemRegistry()
    seen: set[str] = set()
    bindings: list[Binding] = []
    for res in results:
        if not res.ok or res.info is None:
            continue
        if res.info.imei in seen:
            continue  # a second AT port of the same dongle: keep the better-ranked first one
        seen.add(res.info.imei)
        bindings.append(reg.bind(res.info))
    return bindings


def sibling_ports(port_url: str) -> list[str]:
    """Device paths where a modem last seen on ``port_url`` may come back after an unplug: the same
    folder and name but another number (``/dev/ttyUSB0`` → ``/dev/ttyUSB1``, ``/tmp/pty/ttyV0`` →
    ``/tmp/pty/ttyV3``), sorted by number. Network URLs (``socket://``, ``rfc2217://``) and names
    without a number have none: a network port does not move, and Windows' COM ports are listed by
    ``list_candidates`` anyway."""
    if "://" in port_url or not os.path.dirname(port_url):
        return []  # a network URL, or a bare name such as COM5
    path = Path(port_url)
    m = re.fullmatch(r"(.*?)(\d+)", path.name)
    if not m:
        return []
    stem = m.group(1)
    try:
        names = os.listdir(path.parent)
    except OSError:
        return []
    found: list[tuple[int, str]] = []
    for name in names:
        nm = re.fullmatch(re.escape(stem) + r"(\d+)", name)
        if nm and name != path.name:
            found.append((int(nm.group(1)), str(path.parent / name)))
    return [url for _n, url in sorted(found)]


def same_modem(found: ModemInfo, known: ModemInfo) -> bool:
    """The same device (IMEI), or the same SIM moved into another device (ICCID): a chip's stock and
    number live on its SIM, so the SIM keeps the modem's name."""
    return bool((known.imei and found.imei == known.imei) or (known.iccid and found.iccid == known.iccid))


def make_resolver(
    registry: ModemRegistry,
    extra_urls: Callable[[], Iterable[str]] | Iterable[str] = (),
    *,
    config: ModemConfig | None = None,
    timeout: float = 2.0,
    exclude: Callable[[], Iterable[str]] | None = None,
) -> Callable[[ModemInfo], str | None]:
    """A ``Modem``/``ModemWorker`` resolver: find the port an IMEI (or the ICCID) is on now, probing if
    needed."""

    def resolve(info: ModemInfo) -> str | None:
        urls = list(extra_urls() if callable(extra_urls) else extra_urls)
        skip = set(exclude() if exclude else ()) - {info.port_url}
        known = registry.port_for(info.imei)
        ordered = ([known] if known else []) + [info.port_url] + urls
        tried: set[str] = set()
        for url in ordered:
            if url in tried or url in skip:
                continue
            tried.add(url)
            res = probe(url, config, timeout)
            if res.ok and res.info is not None and same_modem(res.info, info):
                registry.bind(res.info)
                return url
        for b in discover(urls, registry, config=config, timeout=timeout, exclude=skip | tried):
            if same_modem(b.info, info):
                return b.info.port_url
        return None

    return resolve
