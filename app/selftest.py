"""`pulsa --self-test`: the whole server once, end to end, on a throw-away database and the virtual GSM
network, so a build (or a fresh install) can prove it works before the owner relies on it.

Steps: start the headless runtime on the demo shop (its scenario from `resources/`, made fast and
without random failures), send one SMS order from reseller R001 to the center modem, wait for the
success reply with its SN; then force every route of a second order to fail, wait for the refund,
retry it by hand (the engine's `retry`, as the window's "Ulangi" button does) and wait for success.
Every step is bounded by a timeout. Nothing here touches the owner's data: the caller gives a
temporary folder.
"""
from __future__ import annotations

import asyncio
import copy
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from app.resources import resource_path

RESELLER = "081211110001"  # R001 of the demo shop, PIN 1234
FIRST_DEST = "081389092678"
SECOND_DEST = "081219876543"  # in both Telkomsel chips' regions, so every route is tried
CHIPS = ("tsel-1", "tsel-2")
UPSTREAM = "upline"
STEP_TIMEOUT = 45.0


class SelfTestFailed(Exception):
    pass


@dataclass
class SelfTestResult:
    ok: bool
    steps: list[str] = field(default_factory=list)
    reason: str = ""
    seconds: float = 0.0

    def summary(self, lang: str = "id") -> str:
        head = {("id", True): "Uji mandiri BERHASIL", ("id", False): "Uji mandiri GAGAL",
                ("en", True): "Self-test PASSED", ("en", False): "Self-test FAILED"}[(lang, self.ok)]
        lines = [f"{head} ({self.seconds:.1f} s)"]
        lines += [f"  ok  {step}" for step in self.steps]
        if not self.ok:
            lines.append(("  alasan: " if lang == "id" else "  reason: ") + self.reason)
        return "\n".join(lines)


def fast_scenario() -> dict:
    """The demo network from `resources/scenarios/demo.json`, with short delays and no random failures."""
    scenario = copy.deepcopy(json.loads(resource_path("scenarios", "demo.json").read_text(encoding="utf-8")))
    scenario["sms"] = {"send_delay": 0.05, "delivery_delay": 0.05, "report_delay": 0.05}
    scenario["reset_delay"] = 0.5
    scenario["operator_defaults"] = {**scenario.get("operator_defaults", {}), "ussd_delay": 0.1, "ussd_jitter": 0,
                                     "followup_delay": [0.2, 0.4], "failure_rate": 0, "too_soon_window": 0}
    for settings in scenario.get("operators", {}).values():
        settings.pop("followup_delay", None)
        settings["failure_rate"] = 0
    for upstream in scenario.get("upstreams", []):
        upstream["delay"] = 0.2
    for seller in scenario.get("h2h_sellers", []):
        seller["delay"] = 0.2
    return scenario


def _state() -> str:
    """What the orders look like now, for the reason printed when a step times out."""
    try:
        from storage.models import Attempt, Order

        rows = [f"TrxID {o.id} {o.dest} {o.status}"
                + "".join(f" [{a.supplier.name}: {a.outcome}]" for a in Attempt.select().where(Attempt.order == o.id))
                for o in Order.select().order_by(Order.id)]
    except Exception:  # the database may be what broke
        return ""
    return "; " + "; ".join(rows) if rows else ""


async def _wait(condition: Callable[[], Any], what: str, timeout: float = STEP_TIMEOUT) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = condition()
        if value:
            return value
        if loop.time() > deadline:
            raise SelfTestFailed(f"waktu habis menunggu {what} ({timeout:.0f} s){_state()}")
        await asyncio.sleep(0.05)


async def _run(data_dir: Path, steps: list[str], lang: str) -> None:
    from app.engine_settings import EngineSettings
    from app.runtime import Runtime, RuntimeOptions
    from modems.sim import ControlClient
    from storage.models import Order, Reseller

    en = lang == "en"
    runtime = Runtime(RuntimeOptions(
        db=str(data_dir / "selftest.db"), demo=True, control_port=0, scenario=fast_scenario(),
        engine_settings=EngineSettings(pending_timeout_s=10, stock_check_interval_s=3600),
        modem_overrides={"ussd_timeout": 10, "init_timeout": 10}))
    loop = asyncio.get_running_loop()
    try:
        await runtime.start()
        engine, demo = runtime.engine, runtime.demo
        assert engine is not None and demo is not None
        client = ControlClient.of(demo)

        async def api(method: str, path: str, body: Any = None) -> Any:
            return await loop.run_in_executor(None, lambda: client(method, path, body))

        await _wait(lambda: engine.links and all(link.online for link in engine.links.values()),
                    "modem online (lihat log: port tidak bisa dibuka?)", timeout=20)
        steps.append(f"{len(engine.links)} modems online" if en else f"{len(engine.links)} modem virtual tersambung")
        center = demo.center_msisdn()

        async def replies(word: str) -> list[str]:
            inbox = await api("GET", f"/api/subscribers/{RESELLER}/sms")
            return [m["text"] for m in inbox if word in m["text"]]

        # 1. an SMS order, end to end
        await api("POST", "/api/sms", {"from": RESELLER, "to": center, "text": f"S10.{FIRST_DEST}.1234"})
        first = await _wait(lambda: Order.select().where(Order.dest == FIRST_DEST,
                                                         Order.status.in_(["success", "failed", "suspect"])).first(),
                            "pesanan SMS pertama selesai")
        if first.status != "success":
            raise SelfTestFailed(f"pesanan SMS pertama {first.status}: {first.fail_reason}")
        for _ in range(int(STEP_TIMEOUT / 0.2)):
            if [t for t in await replies("SUKSES") if f"TrxID {first.id}" in t]:
                break
            await asyncio.sleep(0.2)
        else:
            raise SelfTestFailed("balasan SUKSES tidak sampai ke reseller")
        steps.append(f"SMS order TrxID {first.id} success, SN {first.sn}, reply delivered" if en else
                     f"pesanan SMS TrxID {first.id} sukses, SN {first.sn}, balasan terkirim")

        # 2. every route fails: refunded; then the owner retries it by hand
        for chip in CHIPS:
            await api("POST", f"/api/chips/{chip}/outcomes", {"outcomes": ["fail:OUT_OF_STOCK"] * 3, "replace": True})
        await api("POST", f"/api/upstreams/{UPSTREAM}", {"outcomes": ["fail"] * 3})
        sellers = await api("GET", "/api/h2h-sellers")
        for seller in sellers:  # the internet supplier too (an HTTP route, through aiohttp's client)
            await api("POST", f"/api/h2h-sellers/{seller['id']}",
                      {"behaviours": {code: "failure" for code in seller["products"]}})
        await api("POST", "/api/sms", {"from": RESELLER, "to": center, "text": f"S10.{SECOND_DEST}.1234"})
        second = await _wait(lambda: Order.select().where(Order.dest == SECOND_DEST,
                                                          Order.status.in_(["success", "failed", "suspect"])).first(),
                             "pesanan kedua selesai")
        if second.status != "failed":
            raise SelfTestFailed(f"pesanan kedua seharusnya gagal, ternyata {second.status}")
        balance_after_refund = Reseller.get(Reseller.code == "R001").balance
        for chip in CHIPS:
            await api("POST", f"/api/chips/{chip}/outcomes", {"outcomes": [], "replace": True})
        await loop.run_in_executor(None, lambda: demo.net.call(lambda: demo.net.upstreams[UPSTREAM].forced.clear()))
        for seller in sellers:
            await api("POST", f"/api/h2h-sellers/{seller['id']}",
                      {"behaviours": {code: "success" for code in seller["products"]}})
        steps.append(f"TrxID {second.id} failed on every route and was refunded" if en else
                     f"TrxID {second.id} gagal di semua rute dan dana dikembalikan")
        engine.retry(second.id, None, actor="self-test")
        retried = await _wait(lambda: Order.select().where(Order.id == second.id,
                                                           Order.status.in_(["success", "failed", "suspect"])).first(),
                              "pesanan yang diulang selesai")
        if retried.status != "success":
            raise SelfTestFailed(f"pesanan yang diulang {retried.status}: {retried.fail_reason}")
        balance = Reseller.get(Reseller.code == "R001").balance
        if balance != balance_after_refund - retried.price:
            raise SelfTestFailed(f"saldo R001 {balance}, seharusnya {balance_after_refund - retried.price}")
        steps.append(f"manual retry of TrxID {second.id} success, SN {retried.sn}" if en else
                     f"ulang manual TrxID {second.id} sukses, SN {retried.sn}")
        _chat_libraries()
        steps.append("chat libraries (Jabber, Telegram) load" if en else "pustaka chat (Jabber, Telegram) dimuat")
        if runtime.failure:
            raise SelfTestFailed(runtime.failure)
    finally:
        await runtime.stop()


def _chat_libraries() -> None:
    """The chat centers' libraries load as a channel would use them: slixmpp with the plugins it loads by
    name, python-telegram-bot with its HTTP client. A module a bundle left out fails here, not at the shop
    the day the owner adds a chat account."""
    try:
        from app.chat.jabber import PLUGINS, make_client
        from app.chat.telegram import TelegramTransport

        client = make_client("uji@localhost", "uji", plain=True)
        for plugin, config in PLUGINS.items():
            client.register_plugin(plugin, config)
        TelegramTransport("uji", "1:uji", "http://127.0.0.1:9")
    except Exception as exc:
        raise SelfTestFailed(f"pustaka chat tidak bisa dimuat: {type(exc).__name__}: {exc}") from exc


def run_self_test(data_dir: Path, *, lang: str = "id", timeout: float = 150.0) -> SelfTestResult:
    """Run the self-test in `data_dir` (a temporary folder the caller owns) on a fresh asyncio loop."""
    steps: list[str] = []
    started = time.monotonic()
    try:
        asyncio.run(asyncio.wait_for(_run(data_dir, steps, lang), timeout))
    except SelfTestFailed as exc:
        return SelfTestResult(False, steps, str(exc), time.monotonic() - started)
    except (asyncio.TimeoutError, TimeoutError):
        return SelfTestResult(False, steps, f"waktu habis ({timeout:.0f} s)", time.monotonic() - started)
    except Exception as exc:  # the reason, whatever broke: a missing resource, a hidden import …
        return SelfTestResult(False, steps, f"{type(exc).__name__}: {exc}", time.monotonic() - started)
    return SelfTestResult(True, steps, "", time.monotonic() - started)
