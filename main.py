#!/usr/bin/env python3
"""Pulsa — server pulsa elektronik.

    python3 main.py --demo              the app on the built-in demo
    python3 main.py test [pytest args]  the whole test suite
    python3 main.py lint                ruff over the project
    python3 main.py emulate --from 081211110001 "S10.081389092678.1234"
    python3 main.py seed-demo --db shop.db
    python3 main.py reseller unlock R001 --db shop.db   end a PIN lock now
    python3 main.py reseller set H001 --h2h-password - --allow-ip 203.0.113.7 --callback-url https://…
    python3 main.py reseller show H001                  H2H settings, secrets masked
    python3 main.py reseller set R001 --add-address tg:123456789 --add-address xmpp:toko@example.net
    python3 main.py --headless --h2h-port 6969          the server with its H2H door open (docs/h2h.md)
    python3 main.py deposit import mutasi.csv --bank bca   credit the transfers that match deposit tickets
    python3 main.py report recap --from 2026-06-01 --to 2026-06-30 --by operator --db shop.db
    python3 main.py report recap --from 2026-06-30 --to 2026-06-30 --format pdf --out rekap.pdf
    python3 main.py report stock --date 2026-06-30 --db shop.db
    python3 main.py report mutasi R001 --from 2026-06-01 --to 2026-06-30 --format xlsx --out r001.xlsx
    python3 main.py modem --port COM3 info
    python3 main.py build [--installer]  dist/pulsa/ from pulsa.spec (and the Windows installer, docs/windows.md)
    python3 main.py --self-test         one SMS order and a manual retry on a temporary database, exit 0 or 1
    python3 main.py backup                              back up the database now (docs/backups.md)
    python3 main.py restore backups/pulsa-20260615-020000.db   the server stopped; the old one is kept

The first run creates a virtual environment in .venv and installs what the project needs (and, when
run as root on Debian/Ubuntu, the system libraries Qt needs). This part uses the standard library
only, so it works on a machine that has nothing but Python.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
SUPPORTED = ((3, 11), (3, 12), (3, 13))  # qasync breaks on 3.14
QT_SYSTEM_LIBS = ("libgl1", "libegl1", "libfontconfig1", "libxkbcommon0", "libdbus-1-3", "libglib2.0-0")


# --- environment bootstrap (stdlib only) ---------------------------------------------------------

def _venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _stamp() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def _requirements() -> list[str]:
    """The pinned runtime and test packages, read from pyproject.toml (nothing is built)."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["test"]]


def _say(msg: str) -> None:
    print(f"[pulsa] {msg}", file=sys.stderr, flush=True)


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _apt_install(packages: list[str]) -> None:
    if not packages or not _is_root() or not shutil.which("apt-get"):
        return
    _say(f"installing system packages: {' '.join(packages)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages], check=True, env=env)


def _missing_debs(packages: tuple[str, ...]) -> list[str]:
    if not shutil.which("dpkg-query"):
        return []
    missing = []
    for pkg in packages:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True, text=True)
        if "install ok installed" not in out.stdout:
            missing.append(pkg)
    return missing


def _base_python() -> str:
    if sys.version_info[:2] in SUPPORTED:
        return sys.executable
    for major, minor in reversed(SUPPORTED):
        found = shutil.which(f"python{major}.{minor}")
        if found:
            return found
    raise SystemExit(f"Pulsa needs Python 3.11, 3.12 or 3.13 (this is {sys.version.split()[0]}).")


def _create_venv(python: str) -> None:
    _say(f"creating a virtual environment in {VENV}")
    result = subprocess.run([python, "-m", "venv", str(VENV)], capture_output=True, text=True)
    if result.returncode != 0:
        # Debian ships venv support separately.
        shutil.rmtree(VENV, ignore_errors=True)
        version = subprocess.run([python, "-c", "import sys;print(f'{sys.version_info[0]}.{sys.version_info[1]}')"],
                                 capture_output=True, text=True).stdout.strip()
        _apt_install([f"python{version}-venv"])
        subprocess.run([python, "-m", "venv", str(VENV)], check=True)


def ensure_environment() -> None:
    """Make sure .venv exists with the current dependencies, then run inside it."""
    if getattr(sys, "frozen", False) or os.environ.get("PULSA_NO_BOOTSTRAP"):
        return
    py = _venv_python()
    stamp_file = VENV / "pulsa-installed.txt"
    if not py.exists():
        _create_venv(_base_python())
    if not stamp_file.exists() or stamp_file.read_text().strip() != _stamp():
        if sys.platform.startswith("linux"):
            _apt_install(_missing_debs(QT_SYSTEM_LIBS))
        _say("installing Python packages (first run only, about a minute)")
        subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", "--upgrade", "pip"],
                       check=False)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", *_requirements()],
                       check=True)
        stamp_file.write_text(_stamp())
    if Path(sys.prefix).resolve() != VENV.resolve():
        env = dict(os.environ, PULSA_NO_BOOTSTRAP="1")
        child = subprocess.Popen([str(py), str(ROOT / "main.py"), *sys.argv[1:]], env=env)

        def forward(signum, _frame):
            try:
                child.send_signal(signum)
            except (OSError, ValueError):
                pass

        import signal

        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, forward)
        raise SystemExit(child.wait())


# --- the program ----------------------------------------------------------------------------------

def _add_global_options(p, *, after_subcommand: bool = False) -> None:
    """The options that work before or after a subcommand (`main.py --db X seed-demo` and
    `main.py seed-demo --db X` alike): given after it, they are suppressed unless present, so they
    never overwrite what was given before it."""
    import argparse

    def default(value):
        return argparse.SUPPRESS if after_subcommand else value

    p.add_argument("--db", default=default(None),
                   help="database file or URL (default: pulsa.db in the user data folder)")
    p.add_argument("--data-dir", default=default(None), help="folder for the database, logs and backups")
    p.add_argument("--lang", choices=("id", "en"), default=default(None), help="language of messages")
    p.add_argument("-v", "--verbose", action="store_true", default=default(False), help="log to the console too")


def _parser():
    import argparse

    from app import __version__

    p = argparse.ArgumentParser(prog="pulsa", description="Pulsa — server pulsa elektronik")
    _add_global_options(p)
    p.add_argument("--version", action="version", version=f"Pulsa {__version__}")
    p.add_argument("--self-test", action="store_true",
                   help="check this installation end to end on a temporary database and the virtual network, "
                        "then exit (0: ok, 1: the reason is printed)")
    p.add_argument("--demo", action="store_true", help="run on the built-in demo")
    p.add_argument("--headless", action="store_true", help="no window")
    p.add_argument("--config", help="JSON file with the modems on real ports (see docs/config.md)")
    p.add_argument("--control-port", type=int, default=0, help="--demo: the virtual network's control API port")
    p.add_argument("--pty", metavar="DIR", default=None,
                   help="--demo: the virtual modems as ptys DIR/ttyV0 … opened by device path (Linux/macOS)")
    p.add_argument("--traffic", type=float, default=None,
                   help="--demo: virtual resellers send N orders a minute (window: 20 unless given; 0 = none)")
    p.add_argument("--console", action="store_true", help="--demo: the SMS emulator console instead of the server")
    p.add_argument("--h2h-port", type=int, default=None,
                   help="run the H2H server (buyer servers order over HTTP, docs/h2h.md) on this port for this run")
    p.add_argument("--h2h-host", default=None, help="the H2H server's address (default 127.0.0.1: this PC only)")
    sub = p.add_subparsers(dest="command")

    em = sub.add_parser("emulate", help="print the reply the server would send to an SMS")
    _add_global_options(em, after_subcommand=True)
    em.add_argument("--from", dest="sender", required=True, help="sender number, e.g. 081211110001")
    em.add_argument("--channel", default="sms")
    em.add_argument("text", nargs="+", help="the message text")

    seed = sub.add_parser("seed-demo", help="fill an empty database with the demo shop")
    _add_global_options(seed, after_subcommand=True)

    rs = sub.add_parser("reseller", help="a reseller account: unlock, H2H settings (set, show)")
    _add_global_options(rs, after_subcommand=True)
    rs_sub = rs.add_subparsers(dest="reseller_command", required=True)
    unlock = rs_sub.add_parser("unlock", help="end a PIN lock now (once you know it is really the reseller)")
    _add_global_options(unlock, after_subcommand=True)
    unlock.add_argument("code", help="the reseller's code, e.g. R001")
    rset = rs_sub.add_parser("set", help="H2H settings of a reseller (makes it an H2H member; docs/h2h.md)")
    _add_global_options(rset, after_subcommand=True)
    rset.add_argument("code", help="the reseller's code = the buyer's memberID, e.g. H001")
    rset.add_argument("--h2h-password", help="the H2H password ('-': read it from the keyboard or stdin)")
    rset.add_argument("--api-secret", help="a separate secret for the JSON API ('-': read it; '': use the password)")
    rset.add_argument("--pin", help="the reseller's PIN (SMS too), which the OtomaX sign is made with ('-': read it)")
    rset.add_argument("--allow-ip", nargs="*", metavar="IP", help="addresses or networks it may order from "
                                                                   "(replaces the list; none: nobody)")
    rset.add_argument("--callback-url", help="where its reports go ('': none)")
    rset.add_argument("--callback-form", choices=("otomax", "st24", "json"), help="the form of its reports")
    rset.add_argument("--plain-pin", choices=("on", "off"), help="allow pin + password in the URL instead of a sign")
    rset.add_argument("--trust-ref-id", choices=("on", "off"),
                      help="every new refID is a new order (no repeat rule for the same number)")
    rset.add_argument("--add-address", action="append", default=[], metavar="ADDR",
                      help="a chat identity it orders from: tg:<user id> or xmpp:<jid> (docs/chat.md); repeatable")
    rset.add_argument("--remove-address", action="append", default=[], metavar="ADDR",
                      help="remove a chat identity (tg:… or xmpp:…); repeatable")
    rshow = rs_sub.add_parser("show", help="a reseller's balance and H2H settings (secrets masked)")
    _add_global_options(rshow, after_subcommand=True)
    rshow.add_argument("code", help="the reseller's code, e.g. H001")

    dp = sub.add_parser("deposit", help="deposits: import a bank statement")
    _add_global_options(dp, after_subcommand=True)
    dp_sub = dp.add_subparsers(dest="deposit_command", required=True)
    di = dp_sub.add_parser("import", help="import a bank statement (CSV): credits that match open deposit tickets "
                                          "are credited once, the others wait for the owner (docs/deposits.md)")
    _add_global_options(di, after_subcommand=True)
    di.add_argument("file", help="the statement as exported by the bank's internet banking (CSV)")
    di.add_argument("--bank", required=True, help="bca, mandiri, bri, bni, or the name of a format saved in the window")

    rp = sub.add_parser("report", help="the books: recap, chip stock, a reseller's statement")
    _add_global_options(rp, after_subcommand=True)
    rp_sub = rp.add_subparsers(dest="report_command", required=True)
    report_formats = ("table", "csv", "xlsx", "pdf")
    format_help = "table (screen, default), csv, xlsx or pdf (xlsx and pdf need --out)"
    rc = rp_sub.add_parser("recap", help="orders, sales, cost and profit over a date range, grouped")
    _add_global_options(rc, after_subcommand=True)
    rc.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
    rc.add_argument("--to", dest="date_to", required=True, help="last day (inclusive), YYYY-MM-DD")
    rc.add_argument("--by", choices=("product", "operator", "reseller", "supplier", "hour"), default="product",
                    help="grouping; xlsx and pdf add the recap by product, operator and hour (and, for one day, "
                         "the chip stock) after it")
    rc.add_argument("--format", choices=report_formats, default="table", help=format_help)
    rc.add_argument("--out", help="write to this file instead of the screen")
    rk = rp_sub.add_parser("stock", help="chip stock of one day: opening, sold, bought, closing, differences")
    _add_global_options(rk, after_subcommand=True)
    rk.add_argument("--date", dest="date", required=True, help="the day, YYYY-MM-DD")
    rk.add_argument("--chip", help="one chip only (its supplier name, e.g. 'chip tsel-1', or 'tsel-1')")
    rk.add_argument("--format", choices=report_formats, default="table", help=format_help)
    rk.add_argument("--out", help="write to this file instead of the screen")
    rm = rp_sub.add_parser("mutasi", help="a reseller's statement (ledger) over a date range")
    _add_global_options(rm, after_subcommand=True)
    rm.add_argument("code", help="the reseller's code, e.g. R001")
    rm.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
    rm.add_argument("--to", dest="date_to", required=True, help="last day (inclusive), YYYY-MM-DD")
    rm.add_argument("--format", choices=report_formats, default="table", help=format_help)
    rm.add_argument("--out", help="write to this file instead of the screen")

    bk = sub.add_parser("backup", help="back up the database now (also while the server runs; docs/backups.md)")
    _add_global_options(bk, after_subcommand=True)
    rsr = sub.add_parser("restore", help="put a backup in place of the database (the server stopped); "
                                         "the replaced database is kept beside it")
    _add_global_options(rsr, after_subcommand=True)
    rsr.add_argument("file", help="the backup, e.g. backups/pulsa-20260615-020000.db")
    rsr.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    mo = sub.add_parser("modem", help="talk to one modem: info, signal, sms, ussd, inbox", add_help=False)
    mo.add_argument("args", nargs="...")

    te = sub.add_parser("test", help="run the test suite", add_help=False)
    te.add_argument("args", nargs="...")

    li = sub.add_parser("lint", help="check the code with ruff", add_help=False)
    li.add_argument("args", nargs="...")
    return p


def _paths(args):
    import platformdirs

    data = Path(args.data_dir) if args.data_dir else Path(platformdirs.user_data_dir("Pulsa", "Pulsa"))
    if args.db is None:  # the setup wizard may have put the data elsewhere (docs/first-run.md)
        from app.setup import pointed_data_dir

        data = pointed_data_dir(data) or data
    logs = data / "logs" if args.data_dir else Path(platformdirs.user_log_dir("Pulsa", "Pulsa"))
    db = args.db or str(data / "pulsa.db")
    return data, logs, db


def _setup_logging(logs: Path, verbose: bool) -> None:
    import logging
    import logging.handlers

    from app.logfiles import LogFileHandler

    logs.mkdir(parents=True, exist_ok=True)
    # owner-only files, rotated by size (5 × 5 MB) and by age (rotated ones older than 30 days deleted)
    handler = LogFileHandler(logs / "pulsa.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    if verbose:
        console = logging.StreamHandler()
        console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(console)

    def log_uncaught(exc_type, exc, tb):
        logging.getLogger("pulsa").critical("uncaught exception", exc_info=(exc_type, exc, tb))
        sys.__excepthook__(exc_type, exc, tb)

    sys.excepthook = log_uncaught

    def log_thread(hook_args) -> None:  # headless too: a thread's error reaches the log, not only stderr
        if hook_args.exc_type is SystemExit:
            return
        name = hook_args.thread.name if hook_args.thread is not None else "?"
        logging.getLogger("pulsa").critical("uncaught exception in thread %s", name, exc_info=(
            hook_args.exc_type, hook_args.exc_value, hook_args.exc_traceback))

    import threading

    threading.excepthook = log_thread  # the window's reporter (ui/error_dialog.py) also shows it


def _print_replies(result) -> None:
    if result.duplicate:
        print("(pesan ganda, diabaikan)")
    for reply in result.replies:
        prefix = "" if len({r.to for r in result.replies}) == 1 else f"[ke {reply.to}] "
        print(prefix + reply.text)
    if not result.replies and not result.duplicate:
        print("(tidak ada balasan; pesanan masuk antrian)" if result.new_orders else "(tidak ada balasan)")


def _open_shop_database(db_target: str) -> None:
    """The database of a command that works on it directly (no runtime), checked against the key file."""
    from app.at_rest import protect_stored_secrets
    from storage.db import open_database

    open_database(db_target)
    protect_stored_secrets()


def cmd_emulate(args, db_target: str) -> int:
    import datetime as dt

    from app.service import Inbound, MessageService
    _open_shop_database(db_target)
    service = MessageService()
    if args.lang:
        service.settings.language = args.lang
    result = service.handle(Inbound(args.channel, args.sender, " ".join(args.text), sent_at=dt.datetime.now()))
    _print_replies(result)
    return 0


def cmd_seed_demo(db_target: str) -> int:
    from app.demo import seed_demo
    _open_shop_database(db_target)
    try:
        seed_demo(h2h=True)
    except RuntimeError:
        print(f"Gagal: database {db_target} sudah berisi reseller; seed-demo hanya mengisi database kosong.",
              file=sys.stderr)
        return 1
    print(f"Data demo dibuat di {db_target}")
    return 0


def cmd_reseller_unlock(args, db_target: str) -> int:
    import datetime as dt

    from app import shop_admin
    _open_shop_database(db_target)
    try:
        done = shop_admin.unlock_reseller(args.code, actor="cli")
    except shop_admin.AdminError as exc:
        print(f"Gagal: {exc}", file=sys.stderr)
        return 1
    if done.locked_until is not None and done.locked_until > dt.datetime.now():
        print(f"Kunci PIN {done.code} dibuka (tadinya sampai {done.locked_until:%d/%m %H:%M}). "
              "Hitungan PIN salah mulai dari nol.")
    else:
        print(f"{done.code} tidak sedang terkunci. Hitungan PIN salah ({done.failures}x) mulai dari nol.")
    return 0


def _secret_arg(value: str | None, what: str) -> str | None:
    """A secret from the command line; "-" reads it from the keyboard (hidden) or from stdin, so it stays
    out of the shell's history."""
    if value != "-":
        return value
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass(f"{what}: ")
    return sys.stdin.readline().rstrip("\r\n")


def cmd_reseller_set(args, db_target: str) -> int:
    from app.chat import identities
    from app.h2h import members
    _open_shop_database(db_target)
    try:
        for text in args.add_address:
            print(f"Alamat chat {identities.add(args.code, text, actor='cli')} ditambahkan ke {args.code.upper()}.")
        for text in args.remove_address:
            done = identities.remove(args.code, text, actor="cli")
            print(f"Alamat chat {text} {'dihapus' if done else 'tidak ada'} dari {args.code.upper()}.")
    except identities.IdentityError as exc:
        print(f"Gagal: {exc}", file=sys.stderr)
        return 2
    h2h_args = (args.h2h_password, args.api_secret, args.pin, args.allow_ip, args.callback_url, args.callback_form,
                args.plain_pin, args.trust_ref_id)
    if (args.add_address or args.remove_address) and all(a is None for a in h2h_args):
        return 0  # addresses only: not an H2H member for that
    try:
        info = members.save(
            args.code, actor="cli", password=_secret_arg(args.h2h_password, "Password H2H"),
            api_secret=_secret_arg(args.api_secret, "Secret API"), pin=_secret_arg(args.pin, "PIN"),
            allowed_ips=args.allow_ip, callback_url=args.callback_url, callback_form=args.callback_form,
            plain_pin=None if args.plain_pin is None else args.plain_pin == "on",
            trust_ref_id=None if args.trust_ref_id is None else args.trust_ref_id == "on")
    except members.MemberError as exc:
        print(f"Gagal: {exc}", file=sys.stderr)
        return 2
    print(f"Pengaturan H2H {info.code} disimpan.")
    _print_member(info)
    return 0


def cmd_reseller_show(args, db_target: str) -> int:
    from app.h2h import members
    _open_shop_database(db_target)
    info = members.info(args.code)
    if info is None:
        print(f"Reseller {args.code!r} tidak ditemukan.", file=sys.stderr)
        return 2
    _print_member(info)
    return 0


def _print_member(info) -> None:
    """A reseller's H2H settings: whether each secret is set, never the secret."""
    import datetime as dt

    from app.h2h import members
    from app.money import rupiah

    state = "aktif" if info.active else "diblokir"
    if info.locked_until is not None and info.locked_until > dt.datetime.now():
        state += f", PIN terkunci sampai {info.locked_until:%d/%m %H:%M}"
    print(f"{info.code} — {info.name}: saldo {rupiah(info.balance)}, {state}")
    from app.chat import identities

    chats = identities.of(info.code)
    print(f"Alamat chat: {', '.join(chats) if chats else '(tidak ada)'}")
    if not info.member:
        print("H2H: bukan anggota (atur dengan: reseller set KODE --h2h-password … --allow-ip …)")
        return
    said = "****** (diatur)"
    print(f"H2H member ID: {info.code}")
    print(f"  password H2H:     {said if info.password_set else '(belum diatur)'}")
    print(f"  secret API JSON:  {said if info.api_secret_set else '(sama dengan password H2H)'}")
    print(f"  PIN untuk sign:   {said if info.pin_set else '(belum diatur: sign OtomaX belum bisa dipakai)'}")
    print(f"  IP diizinkan:     {', '.join(info.allowed_ips) or '(belum ada: semua permintaan ditolak)'}")
    print(f"  URL callback:     {members.mask_url(info.callback_url) or '(tidak ada)'}")
    print(f"  bentuk callback:  {info.callback_form}")
    print(f"  tanpa sign (pin + password di URL): {'diizinkan' if info.plain_pin else 'tidak'}")
    print(f"  refID baru selalu transaksi baru:   {'ya' if info.trust_ref_id else 'tidak'}")


def cmd_deposit_import(args, db_target: str) -> int:
    import datetime as dt

    from app import bank_csv, deposits
    _open_shop_database(db_target)
    try:
        result = deposits.import_file(args.file, args.bank, "cli", dt.datetime.now())
    except bank_csv.BankCsvError as exc:
        print(f"Mutasi tidak bisa diimpor: {exc}.", file=sys.stderr)
        return 2
    print("\n".join(deposits.report_lines(result)))
    return 0


def _report_dates(args):
    """The --from and --to days, or None after an error message."""
    import datetime as dt

    days = []
    for option, text in (("--from", args.date_from), ("--to", args.date_to)):
        try:
            days.append(dt.date.fromisoformat(text))
        except ValueError:
            print(f"Tanggal {option} tidak valid: {text!r}. Tulis sebagai TTTT-BB-HH, misalnya 2026-06-30.",
                  file=sys.stderr)
            return None
    if days[1] < days[0]:
        print(f"Tanggal --to ({days[1]}) sebelum tanggal --from ({days[0]}).", file=sys.stderr)
        return None
    return days


def _report_day(args):
    """The --date day, or None after an error message."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(args.date)
    except ValueError:
        print(f"Tanggal --date tidak valid: {args.date!r}. Tulis sebagai TTTT-BB-HH, misalnya 2026-06-30.",
              file=sys.stderr)
        return None


def _report_format_ok(args) -> bool:
    """xlsx and pdf are files: they need --out."""
    if args.format in ("xlsx", "pdf") and not args.out:
        print(f"Format {args.format} ditulis ke file: tambahkan --out NAMA_FILE.{args.format}.", file=sys.stderr)
        return False
    return True


def _report_pdf(tables, out: str) -> None:
    """The printable PDF, drawn with Qt: a QGuiApplication for the fonts, offscreen (nothing is shown)."""
    import datetime as dt

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    from app.settings import Settings
    from ui.report_pdf import write_pdf

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    write_pdf(tables, out, shop_name=Settings.load().site_name, printed_at=dt.datetime.now().replace(microsecond=0))
    del app


def _emit_report(args, tables, what: str) -> int:
    """The report on the screen (a text table, or CSV) or in the --out file in the chosen format."""
    from app import exports

    try:
        if args.format == "pdf":
            _report_pdf(tables, args.out)
        elif args.out:
            exports.write_report(tables, args.format, args.out)
        else:
            sys.stdout.write(exports.tables_csv(tables) if args.format == "csv" else exports.tables_text(tables))
            return 0
    except OSError as exc:
        print(f"Gagal menulis {args.out}: {exc}", file=sys.stderr)
        return 1
    print(f"{what} ditulis ke {Path(args.out).resolve()}")
    return 0


def cmd_report_recap(args, db_target: str) -> int:
    from app import exports, reports

    days = _report_dates(args)
    if days is None or not _report_format_ok(args):
        return 2
    _open_shop_database(db_target)
    if args.format in ("xlsx", "pdf"):
        tables = exports.recap_book(days[0], days[1], args.by)
    else:
        tables = [reports.recap_table(reports.recap(days[0], days[1], reports.RecapBy(args.by)))]
    return _emit_report(args, tables, "Rekap")


def cmd_report_stock(args, db_target: str) -> int:
    from app import exports

    day = _report_day(args)
    if day is None or not _report_format_ok(args):
        return 2
    if exports.stock_books() is None:
        print("Laporan stok chip belum tersedia di versi ini.", file=sys.stderr)
        return 1
    _open_shop_database(db_target)
    supplier_id = None
    if args.chip:
        from storage.models import Supplier

        names = {s.name: s.id for s in Supplier.select(Supplier.id, Supplier.name)}
        supplier_id = names.get(args.chip, names.get(f"chip {args.chip}"))
        if supplier_id is None:
            print(f"Chip {args.chip!r} tidak dikenal. Yang ada: {', '.join(sorted(names)) or '(belum ada)'}.",
                  file=sys.stderr)
            return 2
    return _emit_report(args, exports.stock_tables(day, supplier_id), "Laporan stok")


def cmd_report_mutasi(args, db_target: str) -> int:
    from app import reports

    days = _report_dates(args)
    if days is None or not _report_format_ok(args):
        return 2
    if not hasattr(reports, "mutasi"):
        print("Laporan mutasi reseller belum tersedia di versi ini.", file=sys.stderr)
        return 1
    _open_shop_database(db_target)
    reseller_id = reports.find_reseller(args.code)
    if reseller_id is None:
        print(f"Reseller {args.code!r} tidak ditemukan.", file=sys.stderr)
        return 2
    return _emit_report(args, [reports.mutasi_table(reports.mutasi(reseller_id, days[0], days[1]))],
                        f"Mutasi {args.code.upper()}")


def cmd_report(args, db_target: str) -> int:
    if args.report_command == "stock":
        return cmd_report_stock(args, db_target)
    if args.report_command == "mutasi":
        return cmd_report_mutasi(args, db_target)
    return cmd_report_recap(args, db_target)


def _sqlite_file(db_target: str) -> Path | None:
    from app.backups import POSTGRES_NOTE
    from storage.db import is_url

    if is_url(db_target) and not db_target.startswith("sqlite:"):
        print(POSTGRES_NOTE, file=sys.stderr)
        return None
    return Path(db_target.removeprefix("sqlite:///") if db_target.startswith("sqlite:") else db_target)


def cmd_backup(db_target: str) -> int:
    """An online backup (the server may be running), then the oldest beyond the kept number deleted."""
    import datetime as dt

    from app import backups, settings
    from storage.db import close_database, open_database

    db_file = _sqlite_file(db_target)
    if db_file is None:
        return 1
    if not db_file.exists():
        print(f"Database {db_file} tidak ada.", file=sys.stderr)
        return 1
    open_database(db_file)
    try:
        keep = settings.backup_keep()
    finally:
        close_database()
    try:
        info = backups.run_scheduled(db_file, dt.datetime.now(), keep)
    except backups.BackupError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Cadangan dibuat: {info.path} ({info.size:,} byte)".replace(",", "."))
    print("File kunci pulsa.key tidak ikut dicadangkan: simpan salinannya di tempat lain.")
    return 0


def cmd_restore(args, db_target: str) -> int:
    import datetime as dt

    from app import backups

    db_file = _sqlite_file(db_target)
    if db_file is None:
        return 1
    if db_file.exists() and backups.in_use(db_file):
        print(f"Database {db_file} sedang dipakai (Pulsa masih berjalan?). Hentikan server dulu.", file=sys.stderr)
        return 1
    check = backups.verify(args.file)
    print(f"Pemeriksaan {args.file}: {check.summary()}")
    if not check.ok:
        print("Tidak dipulihkan; database tidak diubah.", file=sys.stderr)
        return 1
    if not args.yes:
        if not sys.stdin.isatty():
            print("Tambahkan --yes untuk memulihkan tanpa ditanya.", file=sys.stderr)
            return 1
        answer = input(f"Ganti database {db_file} dengan cadangan ini? Database sekarang disimpan di sampingnya. "
                       "Ketik 'ya' untuk lanjut: ")
        if answer.strip().lower() not in ("ya", "y", "yes"):
            print("Dibatalkan; database tidak diubah.")
            return 1
    try:
        replaced = backups.restore(args.file, db_file, dt.datetime.now())
    except backups.BackupError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Database dipulihkan dari {args.file}.")
    if replaced is not None:
        print(f"Database yang diganti disimpan sebagai {replaced}")
    return 0


def run_demo_console(args, data: Path) -> int:
    """The demo until the window lands: an SMS console against a fresh demo shop."""
    import datetime as dt
    import tempfile

    from app.demo import DEMO_RESELLERS, seed_demo
    from app.service import Inbound, MessageService

    target = args.db or str(Path(tempfile.mkdtemp(prefix="pulsa-demo-")) / "demo.db")
    _open_shop_database(target)
    try:
        seed_demo(h2h=True)
    except RuntimeError:
        pass  # an existing demo database given with --db
    service = MessageService()
    print("Pulsa demo — emulator SMS. Database:", target)
    print("Akun demo:", ", ".join(f"{r.code} {r.phone} PIN {r.pin}" for r in DEMO_RESELLERS))
    print("Ketik: <nomor pengirim> <pesan>, contoh: 081211110001 S10.081389092678.1234  (Ctrl-D keluar)")
    sender = DEMO_RESELLERS[0].phone
    while True:
        try:
            line = input("> ")
        except EOFError:
            print()
            return 0
        line = line.strip()
        if not line:
            continue
        first, _, rest = line.partition(" ")
        if rest and first.lstrip("+").isdigit() and len(first) >= 8:
            sender, line = first, rest
        result = service.handle(Inbound("sms", sender, line, sent_at=dt.datetime.now()))
        _print_replies(result)


def _print_event(event) -> None:
    from app.events import Alert, OrderChanged

    if isinstance(event, OrderChanged) and event.status in ("queued", "success", "failed", "suspect"):
        print(f"{event.at:%H:%M:%S} TrxID {event.order_id:>5} {event.status.upper():8} {event.detail}", flush=True)
    elif isinstance(event, Alert):
        print(f"{event.at:%H:%M:%S} ! {event.text}", flush=True)


def run_headless(args, db_target: str) -> int:
    """The server without a window: plain asyncio, a line per order, Ctrl-C to stop."""
    import asyncio
    import signal

    from app.runtime import Runtime, RuntimeOptions

    runtime = Runtime(RuntimeOptions(db=args.db if args.demo else db_target, demo=args.demo,
                                     config=Path(args.config) if args.config else None,
                                     control_port=args.control_port, pty_dir=args.pty if args.demo else None,
                                     traffic_per_minute=(args.traffic or 0) if args.demo else 0,
                                     h2h_port=args.h2h_port, h2h_host=args.h2h_host))

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, runtime.request_stop)
            except (NotImplementedError, RuntimeError):  # Windows: Ctrl-C arrives as KeyboardInterrupt
                pass
        try:
            await runtime.start()
            assert runtime.engine is not None
            runtime.engine.events.subscribe(_print_event)
            demo = runtime.demo
            if demo is not None:
                print(f"Database: {runtime.database}", flush=True)
                print(f"API kontrol jaringan GSM virtual: {demo.control_url}", flush=True)
                print(f"Token API kontrol: {demo.control_token}", flush=True)
                for m in demo.modems():
                    port = m.get("pty") or m["port_url"]
                    print(f"  {m['id']:8} {m['role']:7} {m['operator']:5} {m['msisdn']}  {port}", flush=True)
                for seller in demo.h2h_sellers():  # the virtual internet supplier (docs/h2h.md "Buying")
                    print(f"  Supplier H2H virtual {seller['name']}: {seller['url']}", flush=True)
                import json

                order = {"from": "081211110001", "to": demo.center_msisdn(), "text": "S10.081389092678.1234"}
                print(f"Kirim pesanan sebagai reseller: curl -H 'X-Pulsa-Token: {demo.control_token}' "
                      f"-H 'Content-Type: application/json' -d '{json.dumps(order)}' {demo.control_url}/api/sms",
                      flush=True)
            if runtime.h2h is not None and runtime.h2h.url:
                print(f"Server H2H: {runtime.h2h.url}/trx, {runtime.h2h.url}/api, {runtime.h2h.url}/api/v1/… "
                      "(docs/h2h.md)", flush=True)
            print(f"Server berjalan dengan {len(runtime.engine.links)} modem. Ctrl-C untuk berhenti.", flush=True)
            await runtime.wait()
        finally:
            await runtime.stop()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
    if runtime.failure:
        print(f"Server dihentikan karena galat yang terus berulang: {runtime.failure}. Rinciannya ada di file log.",
              file=sys.stderr, flush=True)
        return 1
    print("Server berhenti.", flush=True)
    return 0


def _install_startup_probe() -> None:
    """PULSA_STARTUP_PROBE=1 (benchmarks/bench_bundle.py): print when the main window is first drawn, then stop
    the program the way Ctrl-C does. Measures the start of the built program from outside."""
    import signal
    import time

    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication, QMainWindow

    class Probe(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 (Qt's name)
            if event.type() == QEvent.Type.Paint and isinstance(obj, QMainWindow) and not self.property("done"):
                self.setProperty("done", True)
                print(f"PULSA_WINDOW_DRAWN {time.time():.3f}", flush=True)
                signal.raise_signal(signal.SIGINT)
            return False

    app = QApplication.instance() or QApplication(sys.argv)
    probe = Probe(app)
    app.installEventFilter(probe)


def run_tests(extra: list[str]) -> int:
    return subprocess.call([sys.executable, "-m", "pytest", *extra], cwd=ROOT)


def run_build(extra: list[str]) -> int:
    """`build [--installer]`: the PyInstaller bundle from pulsa.spec (and the NSIS installer), see scripts/build.py."""
    return subprocess.call([sys.executable, str(ROOT / "scripts" / "build.py"), *extra], cwd=ROOT)


def run_self_test(args) -> int:
    """`--self-test`: one SMS order and one manual retry end to end in a temporary folder (app/selftest.py);
    the owner's data folder is never opened."""
    import tempfile

    from app.selftest import run_self_test as self_test

    lang = args.lang or "id"
    with tempfile.TemporaryDirectory(prefix="pulsa-selftest-") as tmp:
        data = Path(tmp)
        _setup_logging(data / "logs", args.verbose)
        from app import keyfile

        keyfile.use_key_file(data / keyfile.KEY_FILE_NAME)
        result = self_test(data, lang=lang)
        import logging

        for handler in list(logging.getLogger().handlers):  # the log file must close before the folder goes
            handler.close()
            logging.getLogger().removeHandler(handler)
    print(result.summary(lang), flush=True)
    return 0 if result.ok else 1


def run_lint(extra: list[str]) -> int:
    """ruff over the whole project, with the settings in pyproject.toml (what CI runs)."""
    return subprocess.call([sys.executable, "-m", "ruff", "check", *(extra or ["."])], cwd=ROOT)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["test"]:
        return run_tests(argv[1:])
    if argv[:1] == ["lint"]:
        return run_lint(argv[1:])
    if argv[:1] == ["modem"]:
        from modems.cli import run

        return run(argv[1:])
    if argv[:1] == ["build"]:
        return run_build(argv[1:])
    args = _parser().parse_args(argv)
    if args.self_test:
        return run_self_test(args)
    data, logs, db_target = _paths(args)
    _setup_logging(logs, args.verbose)
    from app import keyfile

    try:
        keyfile.use_key_file(data / keyfile.KEY_FILE_NAME)  # the shop's secret key, never in the database
        return _dispatch(args, data, db_target)
    except keyfile.KeyFileError as exc:
        print(f"File kunci toko tidak bisa dipakai: {exc}. Kembalikan file {keyfile.KEY_FILE_NAME} dari "
              "cadangan ke folder data (tanpa file itu PIN chip yang tersimpan tidak bisa dibuka).",
              file=sys.stderr, flush=True)
        return 2


def _dispatch(args, data: Path, db_target: str) -> int:
    if args.command == "emulate":
        return cmd_emulate(args, db_target)
    if args.command == "seed-demo":
        return cmd_seed_demo(db_target)
    if args.command == "reseller":
        if args.reseller_command == "set":
            return cmd_reseller_set(args, db_target)
        if args.reseller_command == "show":
            return cmd_reseller_show(args, db_target)
        return cmd_reseller_unlock(args, db_target)
    if args.command == "deposit":
        return cmd_deposit_import(args, db_target)
    if args.command == "report":
        return cmd_report(args, db_target)
    if args.command == "backup":
        return cmd_backup(db_target)
    if args.command == "restore":
        return cmd_restore(args, db_target)
    if args.demo and args.console:
        return run_demo_console(args, data)
    if args.config:
        from app.config import ConfigError, read_config

        try:
            read_config(Path(args.config))  # refuse a bad file before anything starts
        except ConfigError as exc:
            print(f"Konfigurasi tidak bisa dipakai: {exc}", file=sys.stderr)
            return 2
    if args.headless:
        return run_headless(args, db_target)
    if args.command is None:
        if (sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM")
                and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")):
            print("Tidak ada layar (DISPLAY kosong): server berjalan tanpa jendela. "
                  "Pakai --headless untuk memilih ini dengan sengaja.", flush=True)
            if args.demo and args.traffic is None:
                args.traffic = 20  # as in the window: a newcomer sees orders flow at once
            return run_headless(args, db_target)
        from ui.app import run_gui

        if os.environ.get("PULSA_STARTUP_PROBE"):
            _install_startup_probe()
        if not args.demo:
            # no database yet, none named: the setup wizard first (ui/wizard.py, docs/first-run.md)
            args.first_run = (args.db is None and not args.config and "://" not in db_target
                              and not Path(db_target).exists())
            args.db = db_target
        args.data_path = data  # one running copy per data folder (ui/single_instance.py)
        return run_gui(args)
    return 2


if __name__ == "__main__":
    ensure_environment()
    sys.exit(main())
