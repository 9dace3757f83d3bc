"""The window on the demo: the virtual GSM network, the engine, the modem workers and a throw-away
database, on a fresh qasync loop per test (one QApplication for the whole run, owned by pytest-qt)."""
from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Awaitable, Callable

import pytest

R001 = "081211110001"
FAST_MODEMS = {"ussd_timeout": 5, "init_timeout": 5, "sweep_interval": 1}


@pytest.fixture
def loop(qapp):
    import qasync

    qapp.setQuitOnLastWindowClosed(False)
    event_loop = qasync.QEventLoop(qapp, already_running=False)
    asyncio.set_event_loop(event_loop)
    yield event_loop
    # as asyncio.run does: what a test left running (a reply send the outbox had just started as the
    # test ended) is cancelled and run to its end on this loop, not collected half-done in a later test
    pending = [task for task in asyncio.all_tasks(event_loop) if not task.done()]
    for task in pending:
        task.cancel()
    stuck: list[str] = []
    if pending:  # bounded: a task that lost its wake-up never runs its cancellation
        try:
            run(event_loop, asyncio.wait(pending), 5)
        except asyncio.TimeoutError:
            stuck = [task.get_name() for task in pending if not task.done()]
            for task in pending:
                with contextlib.suppress(Exception):
                    task.get_coro().close()
    run(event_loop, event_loop.shutdown_asyncgens(), 5)
    event_loop.close()
    asyncio.set_event_loop(None)
    assert not stuck, f"tasks that never woke again (a nested Qt event loop inside a test body?): {stuck}"


def run(loop, coro, timeout: float = 60) -> Any:
    """Run a test body on the qasync loop; a stuck test fails instead of hanging. Not qasync's own
    run_until_complete: after the loop stops it processes Qt events once more with no running loop set,
    so a task woken there fails (no running event loop) or never starts (a coroutine never awaited)."""
    task = loop.create_task(asyncio.wait_for(coro, timeout))
    task.add_done_callback(lambda _task: loop.stop())
    loop.run_forever()
    if not task.done():
        raise RuntimeError("the loop stopped before the test body finished")
    return task.result()


async def until(condition: Callable[[], Any], timeout: float = 20, what: str = "condition") -> Any:
    """Wait for `condition()` to be truthy, checking while Qt and asyncio run (like qtbot.waitUntil)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = condition()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def expect(signal, timeout: float = 30, check: Callable[..., bool] | None = None,
           what: str = "signal") -> Awaitable[tuple]:
    """The next emission of `signal` (whose arguments pass `check`), awaitable: connect, act, then await.
    Inside a test body, never qtbot.waitSignal: its nested Qt event loop runs other tasks' wake-ups while
    the body's task is still the current one, asyncio refuses them ("Cannot enter into task") and those
    tasks never run again (a later stop waits on them forever)."""
    loop = asyncio.get_running_loop()
    arrived: asyncio.Future = loop.create_future()

    def settle(args: tuple) -> None:
        if not arrived.done() and (check is None or check(*args)):
            arrived.set_result(args)

    def slot(*args: Any) -> None:
        loop.call_soon_threadsafe(settle, args)

    signal.connect(slot)

    async def wait() -> tuple:
        try:
            return await asyncio.wait_for(arrived, timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"timed out waiting for {what}") from None
        finally:
            signal.disconnect(slot)

    return wait()


def destroy_on_gui_thread() -> None:
    """Delete the stopped window now, on this (the GUI) thread: its widgets and their Python wrappers
    form reference cycles, and a garbage collection that happens to run on a modem or simulator
    thread would destroy them there, leaving Qt timers registered for freed objects (a crash later)."""
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


@pytest.fixture(scope="session", autouse=True)
def collect_on_the_gui_thread():
    """As the window does (ui/gc_guard.py): no automatic garbage collection on another thread while
    the window tests run; each test's garbage is collected on the GUI thread after it."""
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    yield
    gc.collect()
    if was_enabled:
        gc.enable()


@pytest.fixture(autouse=True)
def gui_thread_cleanup(qapp):
    """After every window test, what it left behind is destroyed on the GUI thread (see above)."""
    yield
    destroy_on_gui_thread()


class Demo:
    """A started WindowServer plus helpers to act on the virtual network."""

    def __init__(self, server):
        self.server = server

    @property
    def window(self):
        return self.server.window

    @property
    def engine(self):
        return self.server.engine

    def api(self, method: str, path: str, body: Any = None) -> Any:
        from modems.sim import ControlClient

        return ControlClient.of(self.server.demo)(method, path, body)

    def order(self, text: str, sender: str = R001) -> None:
        demo = self.server.demo
        demo.send_sms(sender, demo.center_msisdn(), text)

    async def online(self) -> None:
        await until(lambda: self.engine.links and all(link.online for link in self.engine.links.values()),
                    30, "every modem online")


@pytest.fixture
def start_demo(tmp_path, loop):
    """`await start_demo()` inside a test body: the window on the demo, fast operators, no traffic."""
    from app.runtime import RuntimeOptions
    from storage.db import close_database
    from ui.app import WindowServer
    from ui.i18n import set_language

    servers: list = []

    async def start() -> Demo:
        options = RuntimeOptions(db=str(tmp_path / "demo.db"), demo=True, traffic_per_minute=0,
                                 modem_overrides=FAST_MODEMS)
        server = WindowServer(options, lang="id")
        servers.append(server)
        await server.start()
        demo = Demo(server)
        demo.api("POST", "/api/network", {"send_delay": 0.05, "delivery_delay": 0.05, "report_delay": 0.05})
        for op in demo.api("GET", "/api/operators"):
            demo.api("POST", f"/api/operators/{op['id']}", {"ussd_delay": 0.1, "ussd_jitter": 0, "failure_rate": 0,
                                                             "followup_delay": [1.0, 1.0], "too_soon_window": 0})
        await demo.online()
        return demo

    yield start
    for server in servers:
        run(loop, server.stop(), 30)
    destroy_on_gui_thread()
    close_database()
    set_language("id")
