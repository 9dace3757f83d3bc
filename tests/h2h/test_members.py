"""H2H members: the demo's H001, secrets sealed (never in clear in the database, the log or on screen),
the PIN copy following every PIN change, the owner's settings checked, and the command line."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import shop_admin
from app.h2h import members
from app.messages import Inbound
from storage.models import AuditLog, H2HMember, Reseller

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def shop(db, clock):
    """The demo shop as `seed-demo` makes it: with the H2H buyer H001."""
    from app.demo import seed_demo
    from app.service import MessageService

    seed_demo(h2h=True)
    return MessageService(clock=clock)


def test_seed_demo_makes_the_h2h_member(shop):
    info = members.info("H001")
    assert (info.name, info.balance, info.member, info.password_set, info.pin_set, info.api_secret_set) == \
        ("Mitra H2H", 1_000_000, True, True, True, False)
    assert (info.allowed_ips, info.callback_url, info.callback_form, info.plain_pin) == (("127.0.0.1",), "", "otomax",
                                                                                        False)
    member = members.get("h001")
    assert (member.password, member.pin, member.json_secret) == ("rahasia", "1234", "rahasia")
    assert member.ip_allowed("127.0.0.1") and member.ip_allowed("::ffff:127.0.0.1")
    assert not member.ip_allowed("127.0.0.2") and not member.ip_allowed("::1") and not member.ip_allowed("nonsense")
    assert members.info("R001").member is False


def test_secrets_are_sealed_at_rest(shop):
    members.save("H001", actor="test", api_secret="kunci-json-saya")
    row = H2HMember.get()
    for stored in (row.password, row.api_secret, row.pin):
        assert stored.startswith("enc:v1:")
    everything = " ".join(str(v) for v in H2HMember.select().tuples().get())
    everything += " ".join(a.detail for a in AuditLog.select())
    for secret in ("rahasia", "kunci-json-saya"):
        assert secret not in everything


def test_the_sign_pin_follows_every_pin_change(shop):
    result = shop.handle(Inbound("sms", "081211110090", "GP.5678.1234"))  # the reseller's own change by SMS
    assert result.status == "processed"
    assert members.get("H001").pin == "5678"
    r = Reseller.get(Reseller.code == "H001")
    new = shop_admin.reset_pin(r.id, actor="admin")  # the owner's reset
    assert members.get("H001").pin == new
    members.save("H001", actor="admin", pin="2468")  # set here: the reseller's PIN (SMS too)
    assert members.get("H001").pin == "2468"
    assert shop.handle(Inbound("sms", "081211110090", "SAL.2468")).status == "processed"


@pytest.mark.parametrize("change, message", [
    (dict(allowed_ips=["300.1.2.3"]), "Alamat IP tidak valid: 300.1.2.3"),
    (dict(callback_url="ftp://buyer/report"), "URL callback harus diawali http:// atau https://"),
    (dict(callback_form="xml"), "Bentuk callback tidak dikenal: xml"),
    (dict(password="abc"), "Password H2H minimal 6 karakter"),
    (dict(password="rahasia|1"), "tidak boleh"),
    (dict(pin="12a4"), "PIN harus 4 sampai 6 angka"),
])
def test_bad_settings_are_refused_and_change_nothing(shop, change, message):
    before = list(H2HMember.select().tuples())
    with pytest.raises(members.MemberError, match=message.replace("(", r"\(").replace("?", r"\?")):
        members.save("H001", actor="test", **change)
    assert list(H2HMember.select().tuples()) == before


def test_networks_and_a_list_replaced(shop):
    info = members.save("H001", actor="test", allowed_ips=["203.0.113.7, 10.0.0.0/24", "2001:db8::/32", "10.0.0.9"])
    assert info.allowed_ips == ("203.0.113.7", "10.0.0.0/24", "2001:db8::/32", "10.0.0.9")
    member = members.get("H001")
    assert member.ip_allowed("10.0.0.200") and member.ip_allowed("2001:db8::1") and not member.ip_allowed("127.0.0.1")
    assert members.save("H001", actor="test", allowed_ips=[]).allowed_ips == ()


def test_a_new_member_and_removal(shop):
    info = members.save("R002", actor="admin", password="sandi-baru", allowed_ips=["192.0.2.10"])
    assert info.member and info.password_set and not info.pin_set  # no sign until its PIN is set here
    assert members.remove("R002", actor="admin") and not members.info("R002").member
    with pytest.raises(members.MemberError, match="tidak ditemukan"):
        members.save("R999", actor="admin", password="sandi-baru")


def test_server_settings_round_trip(shop):
    assert members.server_settings() == members.ServerSettings()
    members.save_server_settings(members.ServerSettings(True, "0.0.0.0", 8080, ("127.0.0.1",)), actor="admin")
    assert members.server_settings() == members.ServerSettings(True, "0.0.0.0", 8080, ("127.0.0.1",))
    with pytest.raises(members.MemberError):
        members.save_server_settings(members.ServerSettings(True, "nowhere", 8080), actor="admin")


def test_mask_url_hides_tokens():
    assert members.mask_url("https://user:pw@buyer.example:8443/cb?key=SECRET") == "https://buyer.example:8443/cb?…"
    assert members.mask_url("") == ""


# --- the command line -------------------------------------------------------------------------------

def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PULSA_NO_BOOTSTRAP="1")
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT, capture_output=True, text=True,
                          input=stdin, env=env, timeout=60)


def test_reseller_set_and_show_on_the_command_line(tmp_path):
    db = str(tmp_path / "shop.db")
    base = ("--data-dir", str(tmp_path), "--db", db)
    assert cli(*base, "seed-demo").returncode == 0
    shown = cli(*base, "reseller", "show", "H001")
    assert shown.returncode == 0, shown.stderr
    assert "H001 — Mitra H2H: saldo Rp 1.000.000, aktif" in shown.stdout
    assert "password H2H:     ****** (diatur)" in shown.stdout and "rahasia" not in shown.stdout
    assert "IP diizinkan:     127.0.0.1" in shown.stdout and "bentuk callback:  otomax" in shown.stdout
    done = cli(*base, "reseller", "set", "H001", "--h2h-password", "-", "--allow-ip", "203.0.113.7", "10.0.0.0/24",
               "--callback-url", "https://buyer.example/report?key=TOKEN123", "--callback-form", "json",
               "--plain-pin", "on", stdin="sandi-panjang\n")
    assert done.returncode == 0, done.stderr
    assert "IP diizinkan:     203.0.113.7, 10.0.0.0/24" in done.stdout
    assert "URL callback:     https://buyer.example/report?…" in done.stdout
    assert "tanpa sign (pin + password di URL): diizinkan" in done.stdout
    out = done.stdout + cli(*base, "reseller", "show", "H001").stdout
    log = (tmp_path / "logs" / "pulsa.log").read_text()
    for secret in ("sandi-panjang", "TOKEN123"):
        assert secret not in out and secret not in log
    # options after the code, the database option last, as with `reseller unlock`
    moved = cli("--data-dir", str(tmp_path), "reseller", "set", "H001", "--trust-ref-id", "on", "--db", db)
    assert moved.returncode == 0 and "refID baru selalu transaksi baru:   ya" in moved.stdout
    bad = cli(*base, "reseller", "set", "H001", "--allow-ip", "999.1.1.1")
    assert bad.returncode == 2 and "Alamat IP tidak valid: 999.1.1.1" in bad.stderr
    missing = cli(*base, "reseller", "show", "X404")
    assert missing.returncode == 2 and "tidak ditemukan" in missing.stderr
    plain = cli(*base, "reseller", "show", "R001")
    assert plain.returncode == 0 and "H2H: bukan anggota" in plain.stdout
