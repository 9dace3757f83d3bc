"""Chat channels from `--config`, the owner's CLI for chat identities, and secrets at rest."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shop(tmp_path):
    from app.demo import seed_demo
    from storage.db import close_database, open_database

    open_database(str(tmp_path / "shop.db"))
    seed_demo()
    yield tmp_path / "shop.db"
    close_database()


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "pulsa.json"
    path.write_text(json.dumps(data))
    return path


CHANNELS = {"channels": [
    {"kind": "telegram", "name": "bot-toko", "token": "123456:RAHASIA-TOKEN", "api_url": "http://127.0.0.1:8081"},
    {"kind": "jabber", "name": "jabber-toko", "jid": "Pulsa@Example.net", "password": "sandi-jabber",
     "host": "127.0.0.1", "port": 5222},
]}


def test_config_channels_are_saved_sealed_and_applying_twice_changes_nothing(shop, tmp_path):
    from app.chat import channels, config as chat_config
    from app.config import load_config
    from storage.models import ChatChannel

    path = _write(tmp_path, CHANNELS)
    load_config(path)
    rows = {r.name: r for r in ChatChannel.select()}
    assert set(rows) == {"bot-toko", "jabber-toko"} and all(r.active for r in rows.values())
    stored = " ".join(r.config for r in rows.values())
    assert "RAHASIA" not in stored and "sandi-jabber" not in stored
    assert channels.connect_config("bot-toko").secret == "123456:RAHASIA-TOKEN"
    jabber = channels.connect_config("jabber-toko")
    assert (jabber.jid, jabber.secret, jabber.host, jabber.port) == ("pulsa@example.net", "sandi-jabber", "127.0.0.1",
                                                                     5222)
    before = {r.name: (r.config, r.updated_at) for r in ChatChannel.select()}
    assert chat_config.apply(chat_config.parse(CHANNELS)) == 0
    load_config(path)
    assert {r.name: (r.config, r.updated_at) for r in ChatChannel.select()} == before
    info = channels.info("bot-toko")
    assert info.secret_saved and "RAHASIA" not in repr(info) and "sandi" not in repr(jabber)


@pytest.mark.parametrize("entry, message", [
    ({"kind": "sms", "name": "x"}, "telegram"),
    ({"kind": "telegram", "name": "bot"}, "token"),
    ({"kind": "jabber", "name": "j", "jid": "bukan-jid", "password": "p"}, "Jabber ID"),
    ({"kind": "jabber", "name": "j", "jid": "a@b", "password": "p", "port": "5222"}, "port"),
    ({"kind": "telegram", "name": "bot", "token": "t", "api_url": "ftp://x"}, "http"),
    ({"kind": "telegram", "name": "", "token": "t"}, "Nama"),
    ({"kind": "telegram", "name": "bot", "token": "t", "tokn": "x"}, "tidak dikenal"),
])
def test_bad_channel_entries_are_refused_in_indonesian(shop, tmp_path, entry, message):
    from app.config import ConfigError, read_config
    from storage.models import ChatChannel

    with pytest.raises(ConfigError, match=message):
        read_config(_write(tmp_path, {"channels": [entry]}))
    assert ChatChannel.select().count() == 0


def test_two_channels_with_one_name_are_refused(shop, tmp_path):
    from app.config import ConfigError, read_config

    entry = {"kind": "telegram", "name": "bot", "token": "t"}
    with pytest.raises(ConfigError, match="nama yang sama"):
        read_config(_write(tmp_path, {"channels": [entry, dict(entry)]}))


def test_an_empty_secret_keeps_the_stored_one_and_a_new_one_replaces_it(shop):
    from app.chat import channels

    channels.save(channels.ChannelSpec("j", "jabber", "satu", jid="a@b"))
    assert channels.save(channels.ChannelSpec("j", "jabber", "", jid="a@b"))[1] is False
    assert channels.connect_config("j").secret == "satu"
    channels.save(channels.ChannelSpec("j", "jabber", "dua", jid="a@b", active=False))
    assert channels.connect_config("j").secret == "dua" and channels.active_names() == []
    with pytest.raises(channels.ChannelError, match="sudah ada sebagai jabber"):
        channels.save(channels.ChannelSpec("j", "telegram", "t"))


def _cli(*args: str, db: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "--db", str(db), *args], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)


def test_cli_adds_and_removes_chat_addresses(shop):
    from storage.db import close_database

    close_database()
    done = _cli("reseller", "set", "R001", "--add-address", "tg:123456789", "--add-address",
                "xmpp:Toko@Example.net", db=shop)
    assert done.returncode == 0, done.stderr
    shown = _cli("reseller", "show", "R001", db=shop)
    assert "tg:123456789" in shown.stdout and "xmpp:toko@example.net" in shown.stdout
    assert "bukan anggota" in shown.stdout  # adding addresses made no H2H member
    taken = _cli("reseller", "set", "R002", "--add-address", "tg:123456789", db=shop)
    assert taken.returncode == 2 and "sudah dipakai reseller R001" in taken.stderr
    bad = _cli("reseller", "set", "R002", "--add-address", "tg:abc", db=shop)
    assert bad.returncode == 2 and "angka" in bad.stderr
    removed = _cli("reseller", "set", "R001", "--remove-address", "tg:123456789", db=shop)
    assert removed.returncode == 0 and "dihapus" in removed.stdout
    assert "tg:123456789" not in _cli("reseller", "show", "R001", db=shop).stdout


def test_demo_with_a_config_of_channels_runs_the_jabber_account_beside_the_demo(tmp_path, prosody):
    import asyncio

    from app.chat.transport import ChannelState
    from app.runtime import Runtime, RuntimeOptions
    from tests.chat.conftest import SHOP, SHOP_PASSWORD
    from tests.engine.conftest import run

    path = _write(tmp_path, {"channels": [{"kind": "jabber", "name": "jabber-toko", "jid": f"{SHOP}@localhost",
                                           "password": SHOP_PASSWORD, "host": "127.0.0.1", "port": prosody.port}]})

    async def body():
        runtime = Runtime(RuntimeOptions(db=str(tmp_path / "demo.db"), demo=True, config=path, control_port=None))
        await runtime.start()
        try:
            try:
                async with asyncio.timeout(20):
                    while (r := runtime.chat.runs.get("jabber-toko")) is None or r.state != ChannelState.ONLINE:
                        await asyncio.sleep(0.05)
            except TimeoutError:
                r = runtime.chat.runs.get("jabber-toko")
                raise AssertionError(f"not online: {r and (r.state, r.detail)}") from None
            assert runtime.engine.links  # the demo's modems too
        finally:
            await runtime.stop()
    run(body())
