"""The books in the window, end to end on the demo network: a reseller's TIKET SMS in and the ticket's
reply out; the owner imports the bank statement in the Deposit view and the reseller gets the "deposit
received" SMS; a downline's order earns its upline a commission that the Laporan view shows; RKP and
KOMISI answer by SMS from the same books."""
from __future__ import annotations

import re

from app import reports
from app.reports import RecapBy
from storage.models import Commission, DepositTicket, Order, Reseller

from .conftest import expect, run, until

R001 = "081211110001"
R003 = "081211110003"  # Berkah Pulsa, a downline of R001 (Demo Cell)

STATEMENT = """No. rekening : 1234567890
Nama : PULSA DEMO
Periode : {day:%d/%m/%Y} - {day:%d/%m/%Y}
Kode Mata Uang : Rp

Tanggal Transaksi,Keterangan,Cabang,Jumlah,,Saldo
'{day:%d/%m},'TRSF E-BANKING CR {day:%d%m}/FTSCY/WS95051 {amount}.00 DEMO CELL,'0000,"{grouped}.00",CR,"9,000,000.00"
'{day:%d/%m},'SETORAN TUNAI,'0998,"77,000.00",CR,"9,077,000.00"
"""


def _texts(demo, msisdn: str) -> list[str]:
    return [m["text"] for m in demo.api("GET", f"/api/subscribers/{msisdn}/sms")]


def test_ticket_statement_commission_and_recap_in_the_window(start_demo, loop, qtbot, tmp_path):
    async def body():
        demo = await start_demo()

        # a deposit ticket by SMS: the reply names the unique amount to transfer
        before = Reseller.get(Reseller.code == "R001").balance
        demo.order("TIKET.BCA.100000.1234", sender=R001)
        ticket_sms = await until(lambda: [t for t in _texts(demo, R001) if t.startswith("Tiket ")], 30,
                                 "the ticket's reply")
        ticket = DepositTicket.get()
        assert f"Rp{ticket.unique_amount:,}".replace(",", ".") in ticket_sms[0]
        assert 100_001 <= ticket.unique_amount <= 100_999 and ticket.status == "open"

        # the owner imports the bank's statement in the Deposit view: the transfer matches the ticket
        day = ticket.created_at.date()
        path = tmp_path / "bca.csv"
        path.write_text(STATEMENT.format(day=day, amount=ticket.unique_amount,
                                         grouped=f"{ticket.unique_amount:,}"), encoding="utf-8")
        view = demo.window.show_view("deposits")
        done = expect(view.importFinished, what="the import")
        view.run_import(str(path), "BCA")
        result = (await done)[0]
        assert [m.ticket_id for m in result.matched] == [ticket.id] and len(result.waiting) == 1
        view.summary_box.close()
        credited = f"Deposit {ticket.unique_amount:,} via BCA diterima.".replace(",", ".")
        await until(lambda: any(t.startswith(credited) for t in _texts(demo, R001)), 30, "the deposit's SMS")
        assert Reseller.get(Reseller.code == "R001").balance == before + ticket.unique_amount
        assert DepositTicket.get_by_id(ticket.id).status == "paid"

        # the downline R003 buys: its upline R001 earns the difference between their prices
        demo.order("S10.081389092678.5555", sender=R003)
        order = await until(lambda: Order.select().where((Order.dest == "081389092678")
                                                         & (Order.status == "success")).first(), 60, "the order")
        earned = await until(lambda: Commission.get_or_none(Commission.order == order.id), 10, "the commission")
        assert earned.upline.code == "R001" and earned.amount > 0 and earned.credited_at is not None

        # the Laporan view shows it, counted off the GUI thread, equal to the report module's own sums
        laporan = demo.window.show_view("reports")
        laporan.set_by(RecapBy.RESELLER)
        shown = expect(laporan.computed, check=lambda r: r.request.by is RecapBy.RESELLER
                       and r.request.start == order.created_at.date(), what="the recap")
        laporan.set_dates(order.created_at.date(), order.created_at.date())
        table = (await shown)[0].tables[0]
        expected = reports.recap_table(reports.recap(order.created_at.date(), order.created_at.date(),
                                                     RecapBy.RESELLER))
        assert table == expected
        commission_col = table.columns.index("Komisi")
        assert {row[0]: row[commission_col] for row in table.rows}["R003"] == earned.amount

        # the downline's RKP and the upline's KOMISI answer by SMS
        demo.order("RKP.5555", sender=R003)
        recap_sms = await until(lambda: [t for t in _texts(demo, R003) if t.startswith("Rekap ")], 30, "RKP")
        assert re.search(r": 1 sukses [0-9.]+, 0 gagal, 0 proses\.", recap_sms[0]), recap_sms
        demo.order("KOMISI.1234", sender=R001)
        amount = f"{earned.amount:,}".replace(",", ".")
        await until(lambda: any("omisi" in t and amount in t for t in _texts(demo, R001)), 30, "KOMISI")
        # stopped inside the body, as the owner's "Hentikan server" does
        await demo.server.stop()
    run(loop, body(), 110)
