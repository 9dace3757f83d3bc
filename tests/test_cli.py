"""The command line as a shop owner uses it: seed-demo, emulate, and the demo console."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PULSA_NO_BOOTSTRAP="1")
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT, capture_output=True, text=True,
                          input=stdin, env=env, timeout=60)


def test_seed_then_emulate_against_the_database(tmp_path):
    db = str(tmp_path / "shop.db")
    seeded = run("--data-dir", str(tmp_path), "--db", db, "seed-demo")
    assert seeded.returncode == 0, seeded.stderr
    order = run("--data-dir", str(tmp_path), "--db", db, "emulate", "--from", "081211110001", "S10.081389092678.1234")
    assert order.returncode == 0 and "antrian" in order.stdout
    bal = run("--data-dir", str(tmp_path), "--db", db, "emulate", "--from", "081211110001", "SAL.1234")
    assert bal.stdout.startswith("Saldo R001: 989.450. Dalam proses: 10.550.")
    wrong = run("--data-dir", str(tmp_path), "--db", db, "emulate", "--from", "081211110001", "S10.081389092678.9999")
    assert wrong.stdout.strip() == "PIN salah. Sisa 2 kali percobaan."
    # the log file exists and holds no PIN
    log = (tmp_path / "logs" / "pulsa.log").read_text()
    assert "S10.081389092678.****" in log and ".1234" not in log and ".9999" not in log


def test_seed_demo_refuses_a_database_with_resellers(tmp_path):
    db = str(tmp_path / "shop.db")
    assert run("--data-dir", str(tmp_path), "--db", db, "seed-demo").returncode == 0
    again = run("--data-dir", str(tmp_path), "--db", db, "seed-demo")
    assert again.returncode == 1 and "sudah" in again.stderr


def test_english_emulation(tmp_path):
    db = str(tmp_path / "shop.db")
    run("--data-dir", str(tmp_path), "--db", db, "seed-demo")
    out = run("--data-dir", str(tmp_path), "--db", db, "--lang", "en", "emulate", "--from", "089999999999", "SAL.1234")
    assert out.stdout.strip() == "Your number is not registered. Contact admin."


def test_demo_console_answers_typed_messages(tmp_path):
    out = run("--data-dir", str(tmp_path), "--demo", "--console",
              stdin="081211110002 SAL.4321\nS10.081389092678.4321\n")
    assert out.returncode == 0
    assert "Saldo R002: 5.000." in out.stdout
    assert "Saldo tidak cukup. S10 harga 10.650, saldo Anda 5.000." in out.stdout


def test_bad_config_file_is_refused_with_a_clear_message(tmp_path):
    bad = tmp_path / "shop.json"
    bad.write_text('{"modems": [{"name": "mkios", "port": "COM5", "roles": ["chip"]}]}')
    out = run("--data-dir", str(tmp_path), "--headless", "--config", str(bad))
    assert out.returncode == 2
    assert "chip butuh 'operator' dan 'pin'" in out.stderr
    assert not (tmp_path / "pulsa.db").exists()  # nothing was started or written


def test_global_options_work_after_the_subcommand_too(tmp_path):
    """The README writes `main.py seed-demo --db shop.db`: options after the subcommand count."""
    db = str(tmp_path / "shop.db")
    seeded = run("seed-demo", "--db", db, "--data-dir", str(tmp_path))
    assert seeded.returncode == 0, seeded.stderr
    assert f"Data demo dibuat di {db}" in seeded.stdout
    bal = run("emulate", "--from", "081211110001", "SAL.1234", "--db", db, "--data-dir", str(tmp_path))
    assert bal.returncode == 0 and bal.stdout.startswith("Saldo R001: 1.000.000."), bal
    # given before and after, the one after the subcommand wins; given only before, it is kept
    other = str(tmp_path / "other.db")
    assert run("--db", other, "seed-demo", "--data-dir", str(tmp_path)).returncode == 0
    assert Path(other).exists()


def test_reseller_unlock_ends_a_pin_lock_with_options_before_or_after(tmp_path):
    db = str(tmp_path / "shop.db")
    assert run("seed-demo", "--db", db, "--data-dir", str(tmp_path)).returncode == 0
    for _ in range(3):
        wrong = run("emulate", "--from", "081211110001", "SAL.9999", "--db", db, "--data-dir", str(tmp_path))
    assert wrong.stdout.startswith("PIN salah 3x. Akun dikunci sampai ")
    locked = run("emulate", "--from", "081211110001", "SAL.1234", "--db", db, "--data-dir", str(tmp_path))
    assert "dikunci" in locked.stdout
    unlocked = run("reseller", "unlock", "R001", "--db", db, "--data-dir", str(tmp_path))
    assert unlocked.returncode == 0, unlocked.stderr
    assert unlocked.stdout.startswith("Kunci PIN R001 dibuka")
    bal = run("emulate", "--from", "081211110001", "SAL.1234", "--db", db, "--data-dir", str(tmp_path))
    assert bal.stdout.startswith("Saldo R001: 1.000.000.")
    # global options before the subcommand work too; an unknown code is refused
    missing = run("--db", db, "--data-dir", str(tmp_path), "reseller", "unlock", "R999")
    assert missing.returncode == 1 and "R999 tidak ditemukan" in missing.stderr
    again = run("--data-dir", str(tmp_path), "--db", db, "reseller", "unlock", "r001")
    assert again.returncode == 0 and "tidak sedang terkunci" in again.stdout
    log = (tmp_path / "logs" / "pulsa.log").read_text()
    assert ".9999" not in log and "SAL.1234" not in log


def test_a_database_with_another_key_file_is_refused_with_a_clear_message(tmp_path):
    db = str(tmp_path / "shop.db")
    assert run("--data-dir", str(tmp_path), "--db", db, "seed-demo").returncode == 0
    key = tmp_path / "pulsa.key"
    key.write_text("00" * 32 + "\n")  # not the key the database was made with (a backup restored alone)
    out = run("--data-dir", str(tmp_path), "--db", db, "emulate", "--from", "081211110001", "SAL.1234")
    assert out.returncode == 2
    assert "file kunci lain" in out.stderr and "pulsa.key" in out.stderr
    assert "Traceback" not in out.stderr
    key.write_text("zz\n")  # unreadable
    out = run("--data-dir", str(tmp_path), "--db", db, "emulate", "--from", "081211110001", "SAL.1234")
    assert out.returncode == 2 and "tidak bisa dibaca" in out.stderr
