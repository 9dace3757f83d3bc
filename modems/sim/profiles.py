"""Model profiles: the per-family quirks of real modems (modems.md 2, 4, 10, 14)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ModemProfile:
    name: str
    manufacturer: str
    model: str
    revision: str
    unknown_reply: str = "ERROR"
    ussd_packed: bool = False  # requests and replies as GSM-7 packed hex (Huawei ^USSDMODE=1)
    supports_ussdmode: bool = False
    urc_noise: bool = False  # ^RSSI/^BOOT/^MODE until AT^CURC=0
    noise_interval: float = 3.0
    noise_in_response_rate: float = 0.0
    crcrlf_rate: float = 0.0  # share of lines ended "\r\r\n"
    cusd_before_ok_rate: float = 0.0
    boot_banner: tuple[str, ...] = ()
    iccid_commands: dict[str, str] = field(default_factory=dict)  # command → answer format
    store_capacity: int = 30
    first_index: int = 1
    default_cnmi: tuple[int, int, int, int, int] = (2, 1, 0, 0, 0)
    memfull_urc: str | None = None
    extra_commands: tuple[str, ...] = ()


_COMMON = (
    "AT", "ATZ", "ATE", "ATI", "AT+CMEE", "AT+CPIN", "AT+CFUN", "AT+CGMI", "AT+CGMM", "AT+CGMR",
    "AT+CGSN", "AT+CIMI", "AT+CRSM", "AT+CSQ", "AT+CREG", "AT+COPS", "AT+CMGF", "AT+CSCS",
    "AT+CNMI", "AT+CPMS", "AT+CMGS", "AT+CMGW", "AT+CMSS", "AT+CMGR", "AT+CMGL", "AT+CMGD", "AT+CMMS",
    "AT+CUSD",
    "AT+CSCA", "AT+CSMS", "AT+CNMA", "AT+CLAC", "AT+GCAP", "ATH",
)

PROFILES: dict[str, ModemProfile] = {
    "generic": ModemProfile(
        "generic", "SIMULATED", "GENERIC-GSM", "SIM 1.0",
        iccid_commands={"+CCID": "+CCID: {iccid}", "+ICCID": "+ICCID: {iccid}"},
        store_capacity=30,
    ),
    # Huawei E173-like: ^USSDMODE present, so a driver may switch USSD to text mode.
    "huawei": ModemProfile(
        "huawei", "huawei", "E173", "11.126.85.00.209",
        unknown_reply="COMMAND NOT SUPPORT", ussd_packed=True, supports_ussdmode=True,
        urc_noise=True, noise_interval=3.0, noise_in_response_rate=0.2, crcrlf_rate=0.2,
        iccid_commands={"^ICCID?": "^ICCID: {iccid_swapped}"}, store_capacity=20, first_index=0,
        default_cnmi=(0, 0, 0, 0, 0), memfull_urc='^SMMEMFULL: "SM"',
        extra_commands=("AT^CURC", "AT^USSDMODE", "AT^ICCID", "AT^SYSINFO"),
    ),
    # Huawei E160-like: always packed USSD, no ^USSDMODE.
    "huawei_e160": ModemProfile(
        "huawei_e160", "huawei", "E160", "11.608.12.02.21",
        unknown_reply="COMMAND NOT SUPPORT", ussd_packed=True, supports_ussdmode=False,
        urc_noise=True, noise_interval=3.0, noise_in_response_rate=0.2, crcrlf_rate=0.2,
        iccid_commands={"^ICCID?": "^ICCID: {iccid_swapped}"}, store_capacity=20, first_index=0,
        default_cnmi=(0, 0, 0, 0, 0), memfull_urc='^SMMEMFULL: "SM"',
        extra_commands=("AT^CURC", "AT^ICCID", "AT^SYSINFO"),
    ),
    "simcom": ModemProfile(
        "simcom", "SIMCOM_Ltd", "SIMCOM_SIM800L", "Revision:1418B04SIM800L24",
        cusd_before_ok_rate=0.5,
        boot_banner=("RDY", "+CFUN: 1", "+CPIN: READY", "Call Ready", "SMS Ready"),
        iccid_commands={"+CCID": "{iccid}", "+CICCID": "+ICCID: {iccid}"},
        store_capacity=50, default_cnmi=(1, 1, 0, 0, 0), memfull_urc="+SMS FULL",
        extra_commands=("AT+CCID", "AT+CICCID", "AT+CSMP"),
    ),
}


def get_profile(name: str) -> ModemProfile:
    try:
        return PROFILES[name.lower()]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; known: {', '.join(PROFILES)}") from None


def clac_list(profile: ModemProfile) -> list[str]:
    names = list(_COMMON) + list(profile.extra_commands)
    names += [("AT" + c.rstrip("?")) for c in profile.iccid_commands if ("AT" + c.rstrip("?")) not in names]
    return names
