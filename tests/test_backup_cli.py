"""`main.py backup` and `main.py restore FILE` as the owner types them."""
from __future__ import annotations

import re
import sqlite3

from tests.test_cli import run


def test_backup_then_restore(tmp_path):
    db = tmp_path / "pulsa.db"
    common = ("--data-dir", str(tmp_path))
    assert run(*common, "seed-demo").returncode == 0
    made = run(*common, "backup")
    assert made.returncode == 0, made.stderr
    m = re.search(r"Cadangan dibuat: (\S+) \(([\d.]+) byte\)", made.stdout)
    assert m, made.stdout
    backup = tmp_path / "backups" / m.group(1).rsplit("/", 1)[-1]
    assert backup.exists() and int(m.group(2).replace(".", "")) == backup.stat().st_size
    assert "pulsa.key" in made.stdout

    order = run(*common, "emulate", "--from", "081211110001", "S10.081389092678.1234")
    assert "antrian" in order.stdout

    asked = run(*common, "restore", str(backup))
    assert asked.returncode == 1 and "--yes" in asked.stderr and "utuh" in asked.stdout
    done = run(*common, "restore", str(backup), "--yes")
    assert done.returncode == 0, done.stderr
    replaced = list(tmp_path.glob("pulsa.db.replaced-*"))
    assert len(replaced) == 1 and str(replaced[0]) in done.stdout
    bal = run(*common, "emulate", "--from", "081211110001", "SAL.1234")
    assert bal.stdout.startswith("Saldo R001: 1.000.000.")  # the order after the backup went with the restore
    con = sqlite3.connect(replaced[0])
    assert con.execute('SELECT COUNT(*) FROM "order"').fetchone()[0] == 1
    con.close()
    assert db.exists()


def test_restore_refuses_while_the_database_is_held_and_a_bad_file(tmp_path):
    common = ("--data-dir", str(tmp_path))
    assert run(*common, "seed-demo").returncode == 0
    assert run(*common, "backup").returncode == 0
    backup = next((tmp_path / "backups").glob("pulsa-*.db"))
    holder = sqlite3.connect(tmp_path / "pulsa.db")  # as a running server holds it
    holder.execute("SELECT COUNT(*) FROM reseller").fetchone()
    try:
        held = run(*common, "restore", str(backup), "--yes")
    finally:
        holder.close()
    assert held.returncode == 1 and "sedang dipakai" in held.stderr
    bad = tmp_path / "bad.db"
    bad.write_bytes(backup.read_bytes()[:5000])
    refused = run(*common, "restore", str(bad), "--yes")
    assert refused.returncode == 1 and "tidak diubah" in refused.stderr
    assert not list(tmp_path.glob("pulsa.db.replaced-*"))


def test_postgres_backups_are_the_dbas(tmp_path):
    out = run("--data-dir", str(tmp_path), "--db", "postgresql://u@localhost/pulsa", "backup")
    assert out.returncode == 1 and "pg_dump" in out.stderr and "Traceback" not in out.stderr
