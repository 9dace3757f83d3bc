"""`pulsa modem …`: the shop owner's tool to check one modem without starting the app.

    modem --port COM3 info
    modem --port COM3 signal
    modem --port COM3 sms 081234567890 "Tes dari server"
    modem --port COM3 ussd "*777*081389092678*10*1234#" --reply 1
    modem --port socket://127.0.0.1:7001 inbox

A chip PIN never shows on the screen or in the log: the values of --secret and --pin, and every field
of a USSD code or menu answer that may be a PIN (modems.ussd.guess_pins: 4–8 digits after the service
code, not an amount after a phone number), are masked in what is printed and in the AT log.

What the user reads is Indonesian. Uses the blocking driver (modems.driver.Modem); no Qt.
Exit codes: 0 done, 1 the operation failed or its outcome is unknown, 2 wrong usage,
3 the modem could not be opened.
"""
from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Sequence, TextIO

from modems import pdu, ussd
from modems.at import AtError
from modems.driver import Modem, ModemConfig, SimError
from modems.ports import PortOpenError
from modems.types import InboundSms, ModemEvent, SmsReceived, UssdOutcome, UssdResult

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NO_MODEM = 3

_ZONES = {7: "WIB", 8: "WITA", 9: "WIT"}

_OUTCOME_TEXT = {
    UssdOutcome.DONE: "Selesai",
    UssdOutcome.MENU: "Menu, menunggu balasan",
    UssdOutcome.FAILED: "Gagal (tidak dijalankan)",
    UssdOutcome.UNKNOWN: "Tidak pasti",
}


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in Indonesian and never calls sys.exit."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)


class _UsageError(Exception):
    pass


def _build_parser() -> _Parser:
    common = _Parser(add_help=False)
    # SUPPRESS so a value given before the command is not overwritten by the subparser default.
    common.add_argument("--port", default=argparse.SUPPRESS,
                        help="port modem: COM3, /dev/ttyUSB0, socket://host:port, rfc2217://host:port")
    common.add_argument("--pin", default=argparse.SUPPRESS, help="PIN kartu SIM bila terkunci")
    common.add_argument("--baud", type=int, default=argparse.SUPPRESS, help="kecepatan port (bawaan 115200)")
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="tampilkan log AT (PIN tetap disamarkan)")

    parser = _Parser(prog="modem", description="Cek satu modem GSM: identitas, sinyal, SMS, USSD, kotak masuk.",
                     parents=[common])
    sub = parser.add_subparsers(dest="command", metavar="PERINTAH")
    sub.add_parser("info", parents=[common], help="identitas modem, kartu SIM, operator, sinyal")
    sub.add_parser("signal", parents=[common], help="kekuatan sinyal")
    p = sub.add_parser("sms", parents=[common], help="kirim SMS")
    p.add_argument("to", metavar="NOMOR")
    p.add_argument("text", metavar="PESAN")
    p.add_argument("--laporan", action="store_true", help="minta laporan terkirim (status report)")
    p = sub.add_parser("ussd", parents=[common], help="jalankan kode USSD, mis. *888#")
    p.add_argument("code", metavar="KODE")
    p.add_argument("--reply", action="append", default=[], metavar="BALASAN",
                   help="jawaban untuk menu USSD, boleh diulang: --reply 1 --reply 2")
    p.add_argument("--secret", action="append", default=[], metavar="TEKS",
                   help="teks lain yang harus disamarkan di layar dan log; angka 4-8 digit di kode USSD "
                        "(selain kode layanan, nomor tujuan dan nominal) selalu disamarkan sebagai PIN")
    p.add_argument("--timeout", type=float, default=30.0, metavar="DETIK", help="batas tunggu per langkah")
    p.add_argument("--mode", choices=("auto", "text", "gsm7-hex", "ucs2-hex", "8bit-hex"), default="auto",
                   help="cara membaca jawaban USSD (bawaan: otomatis)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--packed", dest="packed", action="store_true", default=None,
                       help="kirim kode sebagai hex GSM-7 (modem Huawei lama)")
    group.add_argument("--plain", dest="packed", action="store_false", help="kirim kode apa adanya")
    p = sub.add_parser("inbox", parents=[common], help="baca SMS yang tersimpan di kartu SIM")
    p.add_argument("--hapus", action="store_true",
                   help="hapus dari SIM setelah ditampilkan (jangan dipakai saat server berjalan)")
    return parser


@dataclass
class _Out:
    out: TextIO
    err: TextIO

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def warn(self, text: str) -> None:
        print(text, file=self.err, flush=True)


def run(argv: Sequence[str], *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Entry point for `main.py modem …`. Returns the process exit code."""
    io = _Out(stdout or sys.stdout, stderr or sys.stderr)
    args_list = list(argv)
    if args_list[:1] == ["modem"]:
        args_list = args_list[1:]
    parser = _build_parser()
    if not args_list or args_list[0] in ("-h", "--help", "bantuan"):
        io.say(parser.format_help())
        return EXIT_OK if args_list else EXIT_USAGE
    try:
        args = parser.parse_args(args_list)
    except _UsageError as exc:
        io.warn(f"Perintah salah: {exc}")
        io.warn(parser.format_usage().rstrip())
        return EXIT_USAGE
    port = getattr(args, "port", None)
    if not args.command:
        io.warn("Perintah belum diberikan: info, signal, sms, ussd atau inbox.")
        return EXIT_USAGE
    if not port:
        io.warn("Port modem belum diberikan, contoh: --port COM3 atau --port /dev/ttyUSB0")
        return EXIT_USAGE
    modems_log = logging.getLogger("modems")
    if getattr(args, "verbose", False):
        handler: logging.Handler = logging.StreamHandler(io.err)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        old_level = modems_log.level
        modems_log.setLevel(logging.DEBUG)
    else:
        # Driver warnings (timeouts while probing) are noise here; errors are reported below.
        handler = logging.NullHandler()
        old_level = modems_log.level
    modems_log.addHandler(handler)
    try:
        return _run_command(args, port, io)
    finally:
        modems_log.removeHandler(handler)
        modems_log.setLevel(old_level)


def _secrets(args: argparse.Namespace) -> tuple[str, ...]:
    """What is masked wherever it would show: the SIM PIN, --secret values, and what may be a PIN in
    the USSD code and the menu answers."""
    found = [getattr(args, "pin", None) or "", *getattr(args, "secret", ())]
    for text in (getattr(args, "code", ""), *getattr(args, "reply", ())):
        found.extend(ussd.guess_pins(text))
    return tuple(dict.fromkeys(s for s in found if s))


def _run_command(args: argparse.Namespace, port: str, io: _Out) -> int:
    secrets = _secrets(args)
    config = ModemConfig(pin=getattr(args, "pin", None), multipart_timeout=0.0)
    if getattr(args, "baud", None):
        config.baudrate = args.baud
    if args.command == "ussd":
        config.ussd_mode = args.mode
        config.ussd_packed = args.packed
        config.ussd_timeout = args.timeout
    inbox: list[InboundSms] = []
    confirms: list = []

    def on_event(event: ModemEvent) -> None:
        if isinstance(event, SmsReceived):
            inbox.append(event.sms)
            confirms.append(event.confirm)

    modem = Modem(port, config, modem_id="cli", on_event=on_event)
    io.say(f"Membuka modem di {port} …")
    try:
        modem.open()
    except SimError as exc:
        io.warn(f"Kartu SIM bermasalah: {exc}")
        io.warn("Periksa apakah kartu terpasang dan PIN benar (--pin).")
        return EXIT_NO_MODEM
    except PortOpenError as exc:  # the message says what to check (busy, missing, no ser2net …)
        io.warn(f"Modem tidak bisa dibuka: {exc}")
        return EXIT_NO_MODEM
    except (AtError, OSError) as exc:
        io.warn(f"Modem tidak bisa dibuka di {port}: {exc}")
        io.warn("Periksa kabel/USB, nama port, dan pastikan port tidak dipakai program lain.")
        return EXIT_NO_MODEM
    try:
        if args.command == "info":
            return _info(modem, io)
        if args.command == "signal":
            return _signal(modem, io)
        if args.command == "sms":
            return _sms(modem, io, args.to, args.text, args.laporan)
        if args.command == "ussd":
            return _ussd(modem, io, args.code, args.reply, secrets)
        if args.command == "inbox":
            return _inbox(modem, io, inbox, confirms, args.hapus)
        return EXIT_USAGE
    except AtError as exc:
        io.warn(f"Modem gagal menjalankan perintah: {ussd.mask_digits(str(exc), secrets)}")
        return EXIT_FAILED
    except ValueError as exc:  # a number or text the codec cannot encode
        io.warn(f"Masukan tidak valid: {ussd.mask_digits(str(exc), secrets)}")
        return EXIT_USAGE
    finally:
        modem.close()


# --------------------------------------------------------------------------- commands


def _signal_text(rssi: int | None, dbm: int | None, bars: int) -> str:
    if rssi is None or dbm is None:
        return "tidak diketahui (modem belum mendapat sinyal)"
    quality = ("tidak ada", "sangat lemah", "lemah", "cukup", "baik", "sangat baik")[bars]
    return f"{rssi}/31 ({dbm} dBm, {bars} bar, {quality})"


def _info(modem: Modem, io: _Out) -> int:
    info = modem.get_info()
    status = modem.get_status()
    sig = status.signal
    rows = [
        ("Pabrikan", info.manufacturer),
        ("Model", info.model),
        ("Revisi", info.revision),
        ("Profil", info.profile),
        ("IMEI", info.imei),
        ("IMSI", info.imsi),
        ("ICCID", info.iccid),
        ("Operator", status.operator),
        ("Registrasi", _registration_text(status.registration)),
        ("Sinyal", _signal_text(sig.rssi if sig else None, sig.dbm if sig else None, sig.bars if sig else 0)),
    ]
    if status.storage is not None:
        st = status.storage
        rows.append(("Penyimpanan SMS", f"{st.used}/{st.total} terpakai di {st.memory} ({st.percent:.0f}%)"))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        io.say(f"{key:<{width}} : {value or '-'}")
    return EXIT_OK


def _registration_text(reg: object) -> str:
    names = {0: "tidak terdaftar", 1: "terdaftar (jaringan sendiri)", 2: "mencari jaringan",
             3: "ditolak jaringan", 4: "tidak diketahui", 5: "terdaftar (roaming)"}
    try:
        return names.get(int(reg), str(reg))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return str(reg)


def _signal(modem: Modem, io: _Out) -> int:
    sig = modem.get_signal()
    io.say(f"Sinyal: {_signal_text(sig.rssi if sig.dbm is not None else None, sig.dbm, sig.bars)}")
    return EXIT_OK if sig.dbm is not None else EXIT_FAILED


def _sms(modem: Modem, io: _Out, to: str, text: str, report: bool) -> int:
    alphabet, parts = pdu.split_text(text)
    kind = "GSM-7" if alphabet == "gsm7" else "Unicode (UCS-2)"
    io.say(f"Mengirim SMS ke {to}: {len(text)} karakter, {kind}, {len(parts)} bagian …")
    result = modem.send_sms(to, text, request_report=report)
    for part in result.parts:
        if part.mr is not None:
            io.say(f"  bagian {part.seq}/{len(result.parts)}: terkirim ke SMSC (nomor referensi {part.mr})")
        else:
            io.say(f"  bagian {part.seq}/{len(result.parts)}: GAGAL — {part.error}")
    if result.ok:
        io.say("SMS terkirim.")
        return EXIT_OK
    io.say("SMS tidak terkirim seluruhnya.")
    return EXIT_FAILED


def _print_ussd_step(io: _Out, label: str, result: UssdResult, secrets: tuple[str, ...]) -> None:
    io.say(f"{label}: {ussd.mask_digits(result.request, secrets)}")  # the driver masked it already
    io.say(f"  Status : {_OUTCOME_TEXT[result.outcome]}")
    if result.text:
        io.say("  Jawaban:")
        text = ussd.mask_digits(result.text, secrets)  # an operator may echo the code
        for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            io.say(f"    {line}")
    if result.error:
        io.say(f"  Keterangan: {ussd.mask_digits(_ussd_error_text(result.error), secrets)}")


def _ussd_error_text(error: str) -> str:
    known = {
        "timeout": "jaringan tidak menjawab dalam batas waktu",
        "no answer from the network": "tidak ada jawaban dari jaringan",
        "operation not supported": "operasi tidak didukung jaringan",
        "network time out": "waktu jaringan habis",
        "answered by another client": "dijawab oleh aplikasi lain",
        "no open USSD session": "tidak ada sesi USSD yang terbuka",
    }
    return known.get(error, error)


def _ussd(modem: Modem, io: _Out, code: str, replies: list[str], secrets: tuple[str, ...]) -> int:
    result = modem.ussd(code, secrets=secrets, keep_open=bool(replies))
    _print_ussd_step(io, "Kode", result, secrets)
    for reply in replies:
        if result.outcome != UssdOutcome.MENU:
            io.say(f"Balasan {ussd.mask_digits(reply, secrets)!r} tidak dikirim: sesi USSD sudah berakhir.")
            break
        result = modem.ussd_reply(reply, secrets=secrets, keep_open=True)
        _print_ussd_step(io, "Balasan", result, secrets)
    if result.outcome == UssdOutcome.MENU:
        modem.ussd_cancel()
        io.say("Sesi USSD ditutup (menu masih terbuka; tambahkan --reply untuk menjawab).")
        return EXIT_OK
    if result.outcome == UssdOutcome.UNKNOWN:
        io.say("PERHATIAN: hasil tidak pasti. Jangan ulangi transaksi isi pulsa sebelum mengecek "
               "riwayat/saldo chip, agar tidak terkirim dua kali.")
        return EXIT_FAILED
    return EXIT_OK if result.outcome == UssdOutcome.DONE else EXIT_FAILED


def _format_time(when: datetime | None) -> str:
    if when is None:
        return "-"
    offset = when.utcoffset()
    if offset is None:
        return when.strftime("%d-%m-%Y %H:%M:%S")
    hours = offset / timedelta(hours=1)
    zone = _ZONES.get(int(hours)) if hours == int(hours) else None
    if zone is None:
        sign = "+" if offset >= timedelta(0) else "-"
        minutes = abs(int(offset.total_seconds() // 60))
        zone = f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    return f"{when.strftime('%d-%m-%Y %H:%M:%S')} {zone}"


def _inbox(modem: Modem, io: _Out, inbox: list[InboundSms], confirms: list, delete: bool) -> int:
    modem.check_inbox()
    modem.service()  # hands over multipart messages whose other parts are not on the SIM
    if not inbox:
        io.say("Kotak masuk kosong.")
        return EXIT_OK
    io.say(f"{len(inbox)} pesan:")
    ordered = sorted(inbox, key=lambda s: s.scts.timestamp() if s.scts else float("inf"))
    for n, sms in enumerate(ordered, start=1):
        io.say(f"[{n}] Dari  : {sms.sender or '-'}")
        io.say(f"    Waktu : {_format_time(sms.scts)}")
        if sms.total_parts > 1:
            note = "" if sms.complete else f", TIDAK LENGKAP: hanya bagian {list(sms.parts_present)}"
            io.say(f"    Bagian: {len(sms.parts_present)}/{sms.total_parts}{note}")
        if sms.error:
            io.say(f"    PDU tidak terbaca ({sms.error}): {' '.join(sms.raw_pdus)}")
        else:
            io.say("    Isi   : " + sms.text.replace("\n", "\n            "))
    if delete:
        for confirm in confirms:
            confirm()
        modem.check_inbox()  # the driver deletes confirmed messages before sweeping again
        io.say(f"{len(confirms)} pesan dihapus dari SIM.")
    return EXIT_OK
