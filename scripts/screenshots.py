#!/usr/bin/env python3
"""Render every main view of the window on the demo, offscreen, to docs/screenshots/*.png.

    .venv/bin/python scripts/screenshots.py [--seconds 25] [--out docs/screenshots]

Starts the virtual network, the engine and the window exactly as `python main.py --demo` does, lets
the virtual resellers place orders for a while (one chip is told to leave an order suspect, so the
queue has something to act on), then shows each tab and grabs the window, plus the main dialogs.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _api(demo, method: str, path: str, body: dict | None = None) -> object:
    """The demo network's control API (with its token)."""
    from modems.sim import ControlClient

    return ControlClient.of(demo)(method, path, body)


async def _pause(seconds: float) -> None:
    await asyncio.sleep(seconds)


def _statement(lines: list[tuple[str, str, int]], day) -> str:
    """A BCA statement (KlikBCA CSV) of `day` with (description, CR/DB, rupiah) lines."""
    rows = [f"Periode : {day:%d/%m/%Y} - {day:%d/%m/%Y}", "Tanggal Transaksi,Keterangan,Cabang,Jumlah,,Saldo"]
    rows += [f"'{day:%d/%m},'{text},'0000,\"{amount:,}.00\",{mark},\"0.00\"" for text, mark, amount in lines]
    return "\n".join(rows) + "\n"


async def _shoot_deposits(server, window, out: Path, save) -> None:
    """Deposit: three resellers ask for tickets by SMS, a BCA statement with one of them and two unknown
    transfers is imported through the view; then the column-mapping dialog for another bank's CSV."""
    from app.queries.deposits import open_tickets

    center = server.demo.center_msisdn()
    for phone, text in (("081211110001", "TIKET.BCA.100000.1234"), ("081211110002", "TIKET.BCA.250000.4321"),
                        ("081211110001", "TIKET.BRI.500000.1234")):
        _api(server.demo, "POST", "/api/sms", {"from": phone, "to": center, "text": text})
    clock = server.engine.clock
    for _ in range(60):
        await _pause(0.5)
        tickets = open_tickets(clock())
        if len(tickets) >= 3:
            break
    first = next(t for t in tickets if t.reseller_code == "R001")
    folder = Path(tempfile.mkdtemp(prefix="pulsa-mutasi-"))
    day = clock().date()
    bca = folder / "mutasi-bca.csv"
    bca.write_text(_statement([(f"TRSF E-BANKING CR {day:%d%m}/FTSCY/WS95051 {first.unique_amount}.00 DEMO CELL", "CR",
                                first.unique_amount),
                               ("SETORAN TUNAI", "CR", 150_000),
                               (f"TRSF E-BANKING CR {day:%d%m}/FTSCY/WS95051 75321.00 BERKAH PULSA", "CR", 75_321),
                               ("BIAYA ADM", "DB", 10_000)], day), encoding="utf-8")
    view = window.views["deposits"]
    window.show_view("deposits")
    view.run_import(str(bca), "BCA")
    for _ in range(60):
        await _pause(0.25)
        if not view.importing:
            break
    if view.summary_box is not None:
        view.summary_box.close()
    await _pause(0.8)
    if view.tickets.rows:  # (a ticket chosen: the waiting lines below keep their colour)
        view.select_ticket(view.tickets.rows[0].id)
    await _pause(0.3)
    save(window, "09-deposits")
    other = folder / "mutasi-bsi.csv"
    other.write_text(f"Mutasi Rekening BSI 7123456789 a.n. PULSA DEMO\nPeriode {day} s/d {day}\n"
                     "Tgl;Keterangan;Debit;Kredit;Saldo\n"
                     f"{day};TRANSFER MASUK MAJU JAYA CELL;0;250.417,00;5.250.417,00\n"
                     f"{day};BIAYA ADMIN;6.000,00;0;5.244.417,00\n"
                     f"{day};TRANSFER MASUK ANONIM;0;300.000,00;5.544.417,00\n", encoding="utf-8")
    dialog = view.open_format(str(other))
    dialog.name.setText("BSI")
    await _pause(0.3)
    save(dialog, "dialog-bank-import")
    dialog.reject()


async def _h2h_traffic(server) -> object:
    """A buyer server orders from H001 over HTTP (OtomaX /trx and JSON); its report URL takes some reports
    and refuses others, so the H2H tab shows delivered reports and ones still being retried."""
    import base64
    import hashlib
    import hmac
    import json
    import time

    import aiohttp
    from aiohttp import web

    from app.h2h import members

    async def report(request: web.Request) -> web.Response:
        ref = request.query.get("refid", "")
        return web.Response(status=503 if ref.endswith(("1", "4")) else 200, text="OK")

    app = web.Application()
    app.router.add_get("/report", report)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    members.save("H001", actor="demo", callback_url=f"http://127.0.0.1:{runner.addresses[0][1]}/report",
                 callback_form="otomax")
    url = server.runtime.h2h.url
    async with aiohttp.ClientSession() as session:
        for i, (product, dest) in enumerate((("S10", "081311110021"), ("S20", "081311110022"),
                                             ("S5", "081311110023"), ("I10", "085711110024"),
                                             ("X10", "081711110025"), ("S10", "081311110026")), start=1):
            ref = f"INV2606{i:02d}"
            if i % 2:
                text = f"OtomaX|H001|{product}|{dest}|{ref}|1234|rahasia".encode()
                sign = base64.urlsafe_b64encode(hashlib.sha1(text).digest()).decode().rstrip("=")
                await session.get(f"{url}/trx", params={"product": product, "qty": "1", "dest": dest, "refID": ref,
                                                         "memberID": "H001", "sign": sign})
            else:
                body = json.dumps({"ref_id": ref, "product": product, "dest": dest}).encode()
                stamp = str(int(time.time()))
                canonical = "\n".join(("POST", "/api/v1/orders", stamp, hashlib.sha256(body).hexdigest()))
                await session.post(f"{url}/api/v1/orders", data=body, headers={
                    "X-Pulsa-Key": "H001", "X-Pulsa-Timestamp": stamp,
                    "X-Pulsa-Signature": hmac.new(b"rahasia", canonical.encode(), hashlib.sha256).hexdigest()})
    return runner


async def shoot(out: Path, seconds: float, lang: str | None = None) -> list[Path]:
    from app.runtime import RuntimeOptions
    from ui.app import WindowServer

    out.mkdir(parents=True, exist_ok=True)
    db = str(Path(tempfile.mkdtemp(prefix="pulsa-shots-")) / "demo.db")
    server = WindowServer(RuntimeOptions(db=db, demo=True, traffic_per_minute=90, h2h_port=0), lang=lang or "id")
    saved: list[Path] = []
    window = await server.start()
    try:
        window.resize(1360, 780)
        # one order left suspect and one failure, so the queue shows what needs a decision
        _api(server.demo, "POST", "/api/chips/tsel-1/outcomes", {"outcomes": ["ok", "timeout"]})
        for _ in range(60):  # modems online first (a few seconds), then let orders flow
            await _pause(0.5)
            if all(link.online for link in server.engine.links.values()):
                break
        h2h_receiver = await _h2h_traffic(server)
        await _pause(seconds)

        def save(widget, name: str) -> None:
            path = out / f"{name}.png"
            widget.grab().save(str(path))
            saved.append(path)

        from ui.main_window import VIEWS, CloseChoice

        # the reports view has its own number (10), after it has counted; the others keep theirs
        order = [spec.key for spec in VIEWS
                 if spec.key in window.views and spec.key not in ("reports", "deposits", "h2h")]
        for index, key in enumerate(order):
            window.show_view(key)
            await _pause(0.8)  # a tick or two, and the phones view's status poll
            save(window, f"{index + 1:02d}-{key}")

        phones = window.views["phones"]
        window.show_view("phones")
        phones.select("tsel-1")
        phones.open_ussd()
        phones.dialog.code.setText("*776*{pin}#")
        phones.dialog.send()
        for _ in range(40):
            await _pause(0.25)
            if not phones.dialog.busy:
                break
        save(phones.dialog, "dialog-ussd")
        phones.dialog.close()
        phones.open_console()
        for command in ("AT+CSQ", "AT+COPS?"):
            phones.dialog.send(command)
        for _ in range(60):
            await _pause(0.25)
            if phones.dialog.output.toPlainText().count("OK") >= 2:
                break
        save(phones.dialog, "dialog-at-console")
        phones.dialog.close()
        phones.edit_modem()
        await _pause(0.2)
        save(phones.dialog, "dialog-edit-modem")
        phones.dialog.reject()

        queue = window.views["queue"]
        window.show_view("queue")
        await _pause(0.5)
        target = next((r.order for r in queue.pinned.model.rows if r.order.status == "suspect" and not r.done), None)
        if target is not None:
            queue.select(target.order_id)
            dialog = queue.ask_retry()
            await _pause(0.2)
            save(dialog, "dialog-retry")
            dialog.reject()
        window.ask_close()
        await _pause(0.2)
        save(window.close_dialog, "dialog-close")
        window.choose_close(CloseChoice.CANCEL)
        stop = window.ask_stop()  # Ctrl+Q: asks, with the orders in flight
        await _pause(0.2)
        if stop is not None:
            save(stop, "dialog-stop")
            stop.reject()

        log_view = window.views["log"]
        index = window.show_view("log") and list(window.views).index("log")
        await _pause(1.0)
        if target is not None:
            log_view.show_detail(target.order_id)  # the suspect order's whole history
        await _pause(0.5)
        save(window, f"{index + 1:02d}-log-detail")

        products = window.views["products"]
        window.show_view("products")
        await _pause(0.5)
        dialog = products.open_add_product()
        await _pause(0.2)
        save(dialog, "dialog-product")
        dialog.reject()
        dialog = products.open_markup()
        await _pause(0.3)
        save(dialog, "dialog-markup")
        dialog.reject()

        resellers = window.views["resellers"]
        window.show_view("resellers")
        await _pause(0.8)
        resellers.select(next(r.id for r in resellers.list_model.rows if r.code == "R002"))
        await _pause(0.5)
        money = resellers.open_money("deposit")
        if money is not None:
            money.amount.setText("150rb")
            money.note.setText("transfer BCA")
            await _pause(0.2)
            save(money, "dialog-shop-deposit")
            money.reject()
        dialog = resellers.open_add()
        await _pause(0.2)
        save(dialog, "dialog-shop-reseller")
        dialog.reject()
        # R003 guesses its PIN three times: locked, with "Buka kunci PIN" for the owner
        for wrong in ("1111", "2222", "3333"):
            _api(server.demo, "POST", "/api/sms", {"from": "081211110003", "to": "081200000001",
                                                   "text": f"SAL.{wrong}"})
        for _ in range(40):
            await _pause(0.5)
            resellers.select(next(r.id for r in resellers.list_model.rows if r.code == "R003"))
            if resellers.unlock_button.isVisible():
                break
        await _pause(0.5)
        save(window, "06-resellers-locked")
        resellers.select(next(r.id for r in resellers.list_model.rows if r.code == "H001"))
        await _pause(0.5)
        dialog = resellers.open_h2h()  # the H2H settings: secrets set-only
        if dialog is not None:
            await _pause(0.2)
            save(dialog, "dialog-h2h-member")
            dialog.reject()
        if "h2h" in window.views:  # H2H: the server, its member, reports delivered and still being retried
            window.show_view("h2h")
            await _pause(0.8)
            save(window, "11-h2h")
        await h2h_receiver.cleanup()

        if "deposits" in window.views:
            await _shoot_deposits(server, window, out, save)

        if "reports" in window.views:  # Laporan: today's recap by product, counted off the GUI thread
            reports_view = window.views["reports"]
            window.show_view("reports")
            reports_view.set_quick("today")
            for _ in range(60):
                await _pause(0.25)
                if reports_view.result is not None and not reports_view.computing:
                    break
            save(window, "10-reports")

        suppliers = window.views["suppliers"]
        window.show_view("suppliers")
        await _pause(0.8)
        builder = suppliers.open_builder("tsel_mkios", "Trx S10 ke 081234567890 BERHASIL. SN: 0144700000"
                                                       "7482589790. Sisa saldo Rp 1.234.500")
        await _pause(0.3)
        auto = getattr(builder, "auto_mark", None)
        if callable(auto):
            auto()
            await _pause(0.3)
        save(builder, "dialog-rule-builder")
        builder.reject()
        stock = suppliers.open_stock_received()
        if stock is not None:
            stock.amount.setText("500rb")
            stock.note.setText("beli dari MD")
            stock.accept()  # the first OK asks to confirm; nothing is recorded
            await _pause(0.2)
            save(stock, "dialog-stock-received")
            stock.reject()
        await _shoot_backups(window, save)
    finally:
        await server.stop()
    return saved


async def _shoot_backups(window, save) -> None:
    """Server → Cadangan database… after a backup now, and the dialog an uncaught error opens."""
    backups = window.open_backups()
    loop = asyncio.get_running_loop()
    written, listed = loop.create_future(), loop.create_future()
    backups.view.backedUp.connect(lambda path: written.done() or written.set_result(path))
    backups.view.listed.connect(lambda n: written.done() and not listed.done() and listed.set_result(n))
    backups.view.backup_now()
    await asyncio.wait_for(written, 30)
    await asyncio.wait_for(listed, 30)
    await _pause(0.3)
    save(backups, "dialog-backups")
    backups.close()
    import traceback

    from ui.error_dialog import ErrorDialog, log_file_path

    try:
        {}["order 1234"]
    except KeyError as exc:
        details = "".join(traceback.format_exception(exc))
    error = ErrorDialog("KeyError: 'order 1234'", details,
                        log_file_path() or Path.home() / ".local/state/Pulsa/log/pulsa.log", window)
    error.show()
    await _pause(0.3)
    save(error, "dialog-error")
    error.done(0)


def main() -> int:
    import qasync
    from PySide6.QtWidgets import QApplication

    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0, help="demo traffic before the first screenshot")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--lang", choices=("id", "en"), default=None)
    options = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv)
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        saved = loop.run_until_complete(asyncio.wait_for(shoot(Path(options.out), options.seconds, options.lang),
                                                         options.seconds + 120))
    for path in saved:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
