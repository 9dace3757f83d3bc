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
    # --- per-family quirks (docs/devices.md has the table and the sources) ---
    sms_modes: tuple[int, ...] = (0,)  # AT+CMGF values accepted; the first is the power-on mode
    cmgf_error: tuple = ("cms", 303)  # how a refused AT+CMGF=<mode> is answered ("plain" = bare ERROR)
    csdh: bool = True  # AT+CSDH (text-mode header details)
    charsets: tuple[str, ...] = ("GSM", "IRA", "UCS2")  # AT+CSCS=? ; the first is the power-on set
    cusd: bool = True  # AT+CUSD exists
    atd_ussd: bool = False  # ATD*code#; sends a USSD request (answer as a +CUSD URC)
    cusd_dcs: bool = True  # +CUSD answers carry <dcs> (False: `+CUSD: 0,"text"`)
    cpin_no_ok: bool = False  # AT+CPIN? answers +CPIN: READY with no final OK (Gammu F_CPIN_NO_OK)
    cmgd_single: bool = False  # AT+CMGD=<i>,<flag> refused: one index at a time
    cnmi_mt: tuple[int, ...] = (0, 1, 2, 3)  # CNMI <mt> values accepted
    noise_lines: tuple[str, ...] = ()  # periodic unsolicited lines of a non-Huawei family ({csq} filled in)
    stale_on_connect: bool = False  # residue (OK/ERROR/junk) every time the port is opened
    ident_format: dict[str, str] = field(default_factory=dict)  # "+CGMI" -> "+CGMI: {value}"
    ati_lines: tuple[str, ...] = ()  # ATI answer, fields {manufacturer} {model} {revision} {imei}


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
    # --- the families in shops' modem pools and racks (docs/devices.md: quirks and their sources) ---
    # Wavecom Q24xx / Fastrack (the classic 8/16-port pools). CGMM text as captured in Gammu
    # tests/at-model/01.dump; +CPIN: READY without OK (Gammu gsmphones.c, F_CPIN_NO_OK for this model);
    # character sets GSM/PCCP437/HEX, no UCS2 (Wavecom AT manual, +CSCS); +CUSD: <m>[,<str>[,<dcs>]] with
    # the <dcs> left out (same manual, 20.7); +WIND indications (same manual, +WIND).
    "wavecom": ModemProfile(
        "wavecom", "WAVECOM MODEM", " MULTIBAND  900E  1800 ", "641b09gg.Q2406B 1266500 012605 17:20",
        sms_modes=(0, 1), charsets=("GSM", "PCCP437", "HEX"), cusd_dcs=False, cpin_no_ok=True,
        iccid_commands={"+CCID": '+CCID: "{iccid}"'}, store_capacity=30,
        noise_lines=("+WIND: 4", "+WIND: 7"), noise_interval=20.0,
        extra_commands=("AT+WIND", "AT+CCID"),
    ),
    "fastrack": ModemProfile(
        "fastrack", "WAVECOM MODEM", "FXT009", "R7.46.0.201105200742.FXT009 2020032 052011 17:42",
        sms_modes=(0, 1), charsets=("GSM", "PCCP437", "HEX"), cusd_dcs=False, cpin_no_ok=True,
        iccid_commands={"+CCID": '+CCID: "{iccid}"'}, store_capacity=30,
        noise_lines=("+WIND: 4", "+WIND: 7"), noise_interval=20.0,
        extra_commands=("AT+WIND", "AT+CCID"),
    ),
    # SIMCom SIM7600: boot banner RDY, +CPIN: READY, SMS DONE, PB DONE (T-SIM7600X pull 41,
    # espressif/esp-protocols issue 789); +CGMR answered with its prefix (SIMCom AT manual).
    "sim7600": ModemProfile(
        "sim7600", "SIMCOM INCORPORATED", "SIMCOM_SIM7600E-H", "LE20B04SIM7600M22",
        sms_modes=(0, 1), boot_banner=("RDY", "+CPIN: READY", "SMS DONE", "PB DONE"),
        iccid_commands={"+CICCID": "+ICCID: {iccid}", "+CCID": "{iccid}"},
        store_capacity=50, default_cnmi=(1, 1, 0, 0, 0), memfull_urc="+SMS FULL",
        ident_format={"+CGMR": "+CGMR: {value}"}, extra_commands=("AT+CCID", "AT+CICCID", "AT+CSMP"),
    ),
    # Quectel M35: the SIMCom-style boot banner (Quectel M35 AT manual, URCs); USSD answers in UCS2 hex
    # under CSCS="UCS2" although <dcs> says 15 (Gammu tests/at-ussd/Uissue358-Quectel_M35.dump; every
    # virtual modem does this under UCS2); ICCID by AT+QCCID, bare digits.
    "quectel_m35": ModemProfile(
        "quectel_m35", "Quectel_Ltd", "Quectel_M35", "M35FAR02A05",
        sms_modes=(0, 1), boot_banner=("RDY", "+CFUN: 1", "+CPIN: READY", "Call Ready", "SMS Ready"),
        iccid_commands={"+QCCID": "{iccid}", "+CCID": "+CCID: {iccid}"}, store_capacity=30,
        ident_format={"+CGMR": "Revision: {value}"}, extra_commands=("AT+QCCID", "AT+CCID", "AT+CSMP"),
    ),
    # Quectel EC25: RDY, +CPIN: READY, +QUSIM, +QIND: SMS DONE / PB DONE at boot (Quectel EC2x AT manual,
    # URC list); revision string as reported in IchthysMaranatha/asterisk-chan-quectel pull 75.
    "quectel_ec25": ModemProfile(
        "quectel_ec25", "Quectel", "EC25", "EC25EFAR06A10M4G",
        sms_modes=(0, 1),
        boot_banner=("RDY", "+CFUN: 1", "+CPIN: READY", "+QUSIM: 1", "+QIND: SMS DONE", "+QIND: PB DONE"),
        iccid_commands={"+QCCID": "+QCCID: {iccid}", "+CCID": "+CCID: {iccid}"}, store_capacity=40,
        ident_format={"+CGMR": "Revision: {value}"}, extra_commands=("AT+QCCID", "AT+CCID", "AT+CSMP"),
    ),
    # Siemens/Cinterion MC35i and TC35: ^SYSSTART after power-up (Cinterion MC35i AT command set,
    # ^SYSSTART); AT+CMGD with one parameter only (python-gsmmodem deleteStoredSms TODO, modems.md 5);
    # character sets GSM and UCS2; ICCID by AT^SCID; ATI prints three bare lines.
    "mc35": ModemProfile(
        "mc35", "SIEMENS", "MC35i", "REVISION 02.00",
        sms_modes=(0, 1), charsets=("GSM", "UCS2"), cmgd_single=True, boot_banner=("^SYSSTART",),
        iccid_commands={"^SCID": "^SCID: {iccid}"}, store_capacity=25,
        ati_lines=("{manufacturer}", "{model}", "{revision}"), extra_commands=("AT^SCID", "AT+CSMP"),
    ),
    "tc35": ModemProfile(
        "tc35", "SIEMENS", "TC35", "REVISION 04.00",
        sms_modes=(0, 1), charsets=("GSM", "UCS2"), cmgd_single=True, boot_banner=("^SYSSTART",),
        iccid_commands={"^SCID": "^SCID: {iccid}"}, store_capacity=25,
        ati_lines=("{manufacturer}", "{model}", "{revision}"), extra_commands=("AT^SCID", "AT+CSMP"),
    ),
    # ZTE MF710M-like dongle: +CGMI answered with its prefix (gammu/gammu issue 560), model and revision
    # as in gammu/gammu issue 907; stale bytes when the port opens (Gammu, per modems.md 4 step 2);
    # +ZUSIMR/+ZEND noise that cannot be switched off (Gammu at.c SpecialAnswers); AT+ZOPRT/AT+ZCDRUN
    # (Gammu F_ZTE_INIT); CSCS ("IRA","GSM","UCS2") (gammu/gammu issue 119).
    "zte": ModemProfile(
        "zte", "ZTE CORPORATION", "MF710M", "BD_VOCMF710MV1.0.0B03",
        sms_modes=(0, 1), charsets=("IRA", "GSM", "UCS2"), stale_on_connect=True,
        noise_lines=("+ZUSIMR:2", "+ZEND"), noise_interval=5.0, noise_in_response_rate=0.2,
        iccid_commands={"+ZGETICCID": "+ZGETICCID: {iccid}"}, store_capacity=30,
        ident_format={"+CGMI": "+CGMI: {value}"}, extra_commands=("AT+ZOPRT", "AT+ZCDRUN", "AT+ZGETICCID"),
    ),
    # A phone on a data cable (Nokia / Sony Ericsson style): text mode only, AT+CMGF=0 answered with a
    # bare ERROR (Gammu F_USE_SMSTEXTMODE phones; Motorola text-only captures in tests/at-sms-txt);
    # no AT+CUSD, USSD by ATD*code#; (RAB Linux handler `ussd_use_atd` for Siemens C55/M55 phones);
    # no AT+CSDH; a small SIM store; CGMM as captured in Gammu tests/at-model/02.dump.
    "phone": ModemProfile(
        "phone", "Nokia", "Nokia 5210", "V 5.25",
        sms_modes=(1,), cmgf_error=("plain",), csdh=False, cusd=False, atd_ussd=True,
        iccid_commands={}, store_capacity=10, default_cnmi=(0, 0, 0, 0, 0),
    ),
}


def get_profile(name: str) -> ModemProfile:
    try:
        return PROFILES[name.lower()]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; known: {', '.join(PROFILES)}") from None


def clac_list(profile: ModemProfile) -> list[str]:
    names = [n for n in _COMMON if n != "AT+CUSD" or profile.cusd] + list(profile.extra_commands)
    names += ["AT+CSDH"] if profile.csdh else []
    names += [("AT" + c.rstrip("?")) for c in profile.iccid_commands if ("AT" + c.rstrip("?")) not in names]
    return names
