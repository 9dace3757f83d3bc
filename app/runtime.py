"""The composition root: open the shop and start and stop everything in one order.

Used alike by the window, headless mode, the tests and the benchmarks:

    runtime = Runtime(RuntimeOptions(db="shop.db", demo=True))
    await runtime.start()        # database, virtual network, engine, modems, demo traffic
    await runtime.wait()         # until request_stop() or a fatal engine error
    await runtime.stop()         # the same parts in reverse order

Start order: database (for `--demo` a throw-away one unless `db` is given, seeded like `seed-demo`,
its modems pointed at a new virtual network; for `config` the modems of that file) → engine links for
the configured modems → engine → modem worker threads → H2H reports and server → demo traffic.
"""
from __future__ import annotations

import asyncio
import datetime as _dt
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from app import keyfile
from app.at_rest import protect_stored_secrets
from app.chat.manager import ChannelManager
from app.demo_network import DemoNetwork, demo_traffic
from app.engine import Engine
from app.engine_settings import EngineSettings
from app.events import EngineEvent, EngineFailed
from app.h2h.server import Selling
from app.modem_pool import ModemPool
from app.service import MessageService
from storage.db import close_database, open_database
from storage.models import database_proxy

log = logging.getLogger(__name__)


@dataclass
class RuntimeOptions:
    # a file or a postgresql:// URL. None: with demo, a throw-away file; without, the database the caller
    # has already opened (tests, benchmarks), which the runtime then leaves open when it stops.
    db: str | None = None
    demo: bool = False
    config: Path | None = None  # modems on real ports (docs/config.md)
    control_port: int | None = 0  # demo: the virtual network's control API (None: none)
    scenario: dict | None = None  # demo: another virtual network than resources/scenarios/demo.json
    pty_dir: str | None = None  # demo: the modems as ptys DIR/ttyV0 …, opened by device path (POSIX)
    traffic_per_minute: float = 0.0  # demo: virtual resellers' orders a minute
    modem_overrides: dict[str, Any] = field(default_factory=dict)  # driver settings for every modem
    engine_settings: EngineSettings | None = None
    clock: Callable[[], _dt.datetime] = _dt.datetime.now
    listeners: list[Callable[[EngineEvent], None]] = field(default_factory=list)  # hear every event, from the first
    # the H2H server (app/h2h): this port for this run (0: any free one), else as the owner's settings say
    h2h_port: int | None = None
    h2h_host: str | None = None


class Runtime:
    def __init__(self, options: RuntimeOptions):
        self.options = options
        self.database = ""
        self.demo: DemoNetwork | None = None
        self.engine: Engine | None = None
        self.modems: ModemPool | None = None
        self.h2h: Selling | None = None  # H2H reports, and the H2H server when it is on
        self.chat: ChannelManager | None = None  # the chat centers (app/chat)
        self.failure = ""  # why the server stopped by itself, if it did
        self._stop_requested = asyncio.Event()
        self._traffic: asyncio.Task | None = None
        self._opened = False
        self._owns_database = False
        self._started = False
        self._stopped = False

    # --- start --------------------------------------------------------------------------------

    def open(self) -> None:
        """The database and what the options put in it (the demo shop and its network, a config file)."""
        if self._opened:
            return
        options = self.options
        if options.demo:
            self.database = options.db or str(Path(tempfile.mkdtemp(prefix="pulsa-demo-")) / "demo.db")
        else:
            self.database = options.db or ""
        if self.database:
            open_database(self.database)
            self._owns_database = True
        elif database_proxy.obj is None:
            raise ValueError("no database: give RuntimeOptions.db or open one first")
        if keyfile.key_path() is None:  # main.py keeps it in the data folder; else beside a database file
            if not self.database or "://" in self.database:
                raise ValueError("no key file: call app.keyfile.use_key_file(...) first")
            keyfile.use_key_file(Path(self.database).parent / keyfile.KEY_FILE_NAME)
        protect_stored_secrets()  # chip PINs sealed, PIN hashes keyed (an older version left them plain)
        self._opened = True
        if options.demo:
            self.demo = DemoNetwork(options.control_port, options.scenario, pty_dir=options.pty_dir)
            self.demo.configure_shop()
        if options.config is not None:
            from app.config import load_config

            load_config(options.config)

    async def start(self) -> None:
        self.open()
        self._stop_requested = asyncio.Event()
        settings = self.options.engine_settings
        if settings is None and self.options.config is not None:
            from app.config import read_engine_settings

            settings = read_engine_settings(self.options.config)
        self.engine = Engine(MessageService(clock=self.options.clock), settings=settings, clock=self.options.clock)
        self.engine.events.subscribe(self._watch, kinds=(EngineFailed,))
        for listener in self.options.listeners:
            self.engine.events.subscribe(listener)
        self.modems = ModemPool(self.engine, self.options.modem_overrides)
        records = self.modems.attach_all()
        await self.engine.start()
        self.modems.launch_all(records)
        self._started = True
        self.h2h = Selling(self.engine, self.options.clock)
        await self.h2h.start(port=self.options.h2h_port, host=self.options.h2h_host)
        self.chat = ChannelManager(self.engine)
        await self.chat.start()
        if self.demo is not None and self.h2h.url:  # the demo's H2H seller reports to us
            self.demo.point_callbacks(self.h2h.url)
        if self.demo is not None and self.options.traffic_per_minute > 0:
            self._traffic = asyncio.create_task(demo_traffic(self.demo, self.options.traffic_per_minute),
                                                name="demo-traffic")
        log.info("server started: %d modems%s", len(records), " (demo)" if self.demo else "")

    # --- running ------------------------------------------------------------------------------

    def _watch(self, event: EngineEvent) -> None:
        if isinstance(event, EngineFailed):
            self.failure = f"{event.loop}: {event.error}"
            self.request_stop()

    def request_stop(self) -> None:
        self._stop_requested.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested.is_set()

    async def wait(self) -> None:
        """Until `request_stop()` (the owner, a signal) or a background loop that could not be kept alive."""
        await self._stop_requested.wait()

    # --- stop ---------------------------------------------------------------------------------

    async def stop(self) -> None:
        """Traffic, engine, modem workers, virtual network, database — in that order. Safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        if self._traffic is not None:
            self._traffic.cancel()
            await asyncio.gather(self._traffic, return_exceptions=True)
        if self.chat is not None:
            await self.chat.stop()
        if self.h2h is not None:
            await self.h2h.stop()
        if self.engine is not None and self._started:
            await self.engine.stop()
        if self.modems is not None:
            await self.modems.shutdown(3.0)
        if self.demo is not None:
            self.demo.stop()
        if self._owns_database:
            close_database()
        log.info("server stopped")
