"""A local Telegram Bot API server (aiohttp, loopback): the part python-telegram-bot's `Bot` uses to poll and
reply, so the Telegram channel is tested and demonstrated over real HTTP with no network outside the machine.

Methods: `getMe`, `getUpdates` (long poll: answers at once when updates wait, else after `timeout` seconds;
an `offset` confirms, i.e. drops, every update below it), `sendMessage` (recorded per chat). A token the
server does not know gets 401 as Telegram answers it; bad parameters get 400. Parameters are read from the
query string, a form body (what PTB sends, each value JSON-encoded) or a JSON body.

Tests and the demo act as Telegram users through `user_says` / `queue_update` and read the bot's replies with
`sent_to` / `wait_sent`. Faults: `restart()` (stop and listen again on the same port; queued updates kept) and
`refuse(token)` (the token is revoked: 401 from then on).

Standalone: `python -m modems.sim.botapi --port 8081 --token 123456:ABC [--username tokobot]`; users talk
through `POST /_sim/say {"token", "user_id", "text"}` and `GET /_sim/sent?token=…&chat_id=…`.
"""
from __future__ import annotations

import asyncio
import datetime as _dt
import json
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

from aiohttp import web

MAX_TEXT = 4096  # Telegram refuses longer message texts


@dataclass
class _Bot:
    token: str
    username: str
    id: int
    updates: list[dict[str, Any]] = field(default_factory=list)  # queued, not yet confirmed
    next_update_id: int = 1
    next_message_id: int = 1
    sent: dict[int, list[str]] = field(default_factory=dict)  # chat id -> texts the bot sent
    confirmed_below: int = 0  # every update id below this was confirmed by an offset
    refused: bool = False  # the token was revoked: 401 to everything
    send_fault: tuple[int, int] | None = None  # (sends still answered normally, then this error code)


def _bot_id(token: str) -> int:
    head = token.split(":", 1)[0]
    return int(head) if head.isdigit() else 10_000_000 + zlib.crc32(token.encode()) % 10_000_000


def _epoch(date: _dt.datetime | None) -> int:
    if date is None:
        return int(_dt.datetime.now(_dt.timezone.utc).timestamp())
    return int(date.timestamp())  # a naive datetime is taken as local time, as Python does


class _BadRequest(Exception):
    pass


class BotApiServer:
    """A Bot API server for the bots in `tokens` ({token: bot username})."""

    def __init__(self, tokens: dict[str, str] | None = None) -> None:
        self._bots: dict[str, _Bot] = {}
        for token, username in (tokens or {}).items():
            self.add_bot(token, username)
        self.calls: Counter[tuple[str, str]] = Counter()  # (token, method) -> requests, refused ones too
        self._changed = asyncio.Event()  # set and replaced on every change; waiters re-check their condition
        self._runner: web.AppRunner | None = None
        self._host, self._port = "127.0.0.1", 0
        self._closing = asyncio.Event()

    # --- life ---------------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The server root, what a channel's `api_url` names (PTB's base URL is this + "/bot")."""
        return f"http://{self._host}:{self._port}"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_post("/_sim/say", self._handle_say)
        app.router.add_get("/_sim/sent", self._handle_sent)
        self._closing = asyncio.Event()
        # shutdown_timeout: long polls are woken by `_closing`, nothing else needs waiting for
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port, reuse_address=True)
        await site.start()
        self._runner = runner
        self._host = host
        self._port = runner.addresses[0][1]
        return self.url

    async def stop(self) -> None:
        if self._runner is None:
            return
        self._closing.set()
        self._notify()
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def restart(self) -> None:
        """Stop and listen again on the same port; queued updates and sent messages are kept."""
        await self.stop()
        await self.start(self._host, self._port)

    # --- what tests and the demo do -----------------------------------------------------------------------

    def add_bot(self, token: str, username: str) -> None:
        self._bots[token] = _Bot(token, username, _bot_id(token))

    def refuse(self, token: str, refused: bool = True) -> None:
        """Revoke `token` (every request with it gets 401 from now on), or with False honour it again."""
        self._bots[token].refused = refused
        self._notify()

    def fail_send(self, token: str, code: int = 502, after: int = 0) -> None:
        """After `after` more messages sent, the next sendMessage answers `code` (429: retry after 3 s)."""
        self._bots[token].send_fault = (after, code)

    def bot_id(self, token: str) -> int:
        return self._bots[token].id

    def queue_update(self, token: str, body: dict[str, Any]) -> int:
        """Queue an update (`body` without its update_id, e.g. {"message": {...}}); returns its update_id."""
        bot = self._bots[token]
        update_id = bot.next_update_id
        bot.next_update_id += 1
        bot.updates.append({"update_id": update_id, **body})
        self._notify()
        return update_id

    def message(self, token: str, user_id: int, *, date: _dt.datetime | None = None, chat_type: str = "private",
                **content: Any) -> dict[str, Any]:
        """A complete Message object from the user `user_id` in their private chat with the bot."""
        bot = self._bots[token]
        message_id = bot.next_message_id
        bot.next_message_id += 1
        user = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}", "language_code": "id"}
        chat: dict[str, Any] = {"id": user_id, "type": chat_type, "first_name": user["first_name"]}
        if chat_type != "private":
            chat = {"id": -abs(user_id), "type": chat_type, "title": "Grup"}
        return {"message_id": message_id, "from": user, "chat": chat, "date": _epoch(date), **content}

    def user_says(self, token: str, user_id: int, text: str, date: _dt.datetime | None = None) -> int:
        """The user `user_id` sends `text` to the bot; returns the update_id."""
        return self.queue_update(token, {"message": self.message(token, user_id, date=date, text=text)})

    def pending(self, token: str) -> list[int]:
        """The update ids queued and not yet confirmed."""
        return [u["update_id"] for u in self._bots[token].updates]

    def sent_to(self, token: str, chat_id: int) -> list[str]:
        return list(self._bots[token].sent.get(chat_id, []))

    async def wait_sent(self, token: str, chat_id: int, count: int = 1, timeout: float = 10.0) -> list[str]:
        """Wait until the bot has sent at least `count` messages to `chat_id`; returns them all."""
        await self._wait_for(lambda: len(self._bots[token].sent.get(chat_id, [])) >= count, timeout)
        return self.sent_to(token, chat_id)

    async def wait_confirmed(self, token: str, update_id: int, timeout: float = 10.0) -> None:
        """Wait until the client has confirmed `update_id` (polled with an offset past it)."""
        await self._wait_for(lambda: self._bots[token].confirmed_below > update_id, timeout)

    async def wait_calls(self, token: str, method: str, count: int, timeout: float = 10.0) -> None:
        await self._wait_for(lambda: self.calls[(token, method)] >= count, timeout)

    # --- the Bot API --------------------------------------------------------------------------------------

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_for(self, predicate: Callable[[], bool], timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                await self._changed.wait()

    async def _handle_api(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        self.calls[(token, method)] += 1
        self._notify()
        bot = self._bots.get(token)
        if bot is None or bot.refused:
            return _error(401, "Unauthorized")
        handler = {"getMe": self._get_me, "getUpdates": self._get_updates, "sendMessage": self._send_message}.get(
            method)
        if handler is None:
            return _error(404, "Not Found")
        try:
            params = await _params(request)
            result = await handler(bot, params)
        except _BadRequest as exc:
            return _error(400, f"Bad Request: {exc}")
        if isinstance(result, web.Response):
            return result
        return web.json_response({"ok": True, "result": result})

    async def _get_me(self, bot: _Bot, params: dict[str, Any]) -> Any:
        return {"id": bot.id, "is_bot": True, "first_name": bot.username, "username": bot.username,
                "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}

    async def _get_updates(self, bot: _Bot, params: dict[str, Any]) -> Any:
        offset = _int(params, "offset", 0)
        timeout = _int(params, "timeout", 0)
        limit = min(max(_int(params, "limit", 100), 1), 100)
        if offset > 0:
            bot.updates = [u for u in bot.updates if u["update_id"] >= offset]
            bot.confirmed_below = max(bot.confirmed_below, offset)
            self._notify()
        elif offset < 0:
            bot.updates = bot.updates[offset:]

        def ready() -> bool:
            return bool(bot.updates) or self._closing.is_set() or bot.refused

        if timeout > 0 and not ready():
            try:
                await self._wait_for(ready, timeout)
            except TimeoutError:
                pass
        if bot.refused or self._closing.is_set():
            return []
        return bot.updates[:limit]

    async def _send_message(self, bot: _Bot, params: dict[str, Any]) -> Any:
        if bot.send_fault is not None:
            after, code = bot.send_fault
            bot.send_fault = (after - 1, code) if after else None
            if not after:
                if code == 429:
                    return _error(429, "Too Many Requests: retry after 3", parameters={"retry_after": 3})
                return _error(code, "Bad Gateway" if code == 502 else "Internal Server Error")
        chat_id = _int(params, "chat_id", None)
        text = params.get("text")
        if chat_id is None:
            raise _BadRequest("chat_id is empty")
        if not isinstance(text, str) or not text.strip():
            raise _BadRequest("message text is empty")
        if len(text) > MAX_TEXT:
            raise _BadRequest("message is too long")
        bot.sent.setdefault(chat_id, []).append(text)
        self._notify()
        message_id = bot.next_message_id
        bot.next_message_id += 1
        return {"message_id": message_id, "date": _epoch(None), "text": text,
                "from": {"id": bot.id, "is_bot": True, "first_name": bot.username, "username": bot.username},
                "chat": {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}}

    # --- the standalone simulator's own control -----------------------------------------------------------

    def _foreign(self, request: web.Request, needs_json: bool) -> web.Response | None:
        # as modems/sim/control.py: a web page in a browser can neither name this server in Host (DNS
        # rebinding) nor send a JSON body without a preflight we never answer
        if request.host not in (f"127.0.0.1:{self._port}", f"localhost:{self._port}"):
            return web.json_response({"error": "wrong Host"}, status=403)
        if needs_json and request.content_type != "application/json":
            return web.json_response({"error": "JSON body required"}, status=415)
        return None

    async def _handle_say(self, request: web.Request) -> web.Response:
        refused = self._foreign(request, needs_json=True)
        if refused is not None:
            return refused
        body = await request.json()
        if not isinstance(body, dict) or body.get("token") not in self._bots:
            return web.json_response({"error": "unknown token"}, status=404)
        update_id = self.user_says(body["token"], int(body["user_id"]), str(body["text"]))
        return web.json_response({"update_id": update_id})

    async def _handle_sent(self, request: web.Request) -> web.Response:
        refused = self._foreign(request, needs_json=False)
        if refused is not None:
            return refused
        token = request.query.get("token", "")
        if token not in self._bots:
            return web.json_response({"error": "unknown token"}, status=404)
        return web.json_response({"sent": self.sent_to(token, int(request.query.get("chat_id", "0")))})


def _error(code: int, description: str, **extra: Any) -> web.Response:
    return web.json_response({"ok": False, "error_code": code, "description": description, **extra}, status=code)


async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except json.JSONDecodeError:
            raise _BadRequest("can't parse JSON")
        if not isinstance(body, dict):
            raise _BadRequest("parameters must be a JSON object")
        params.update(body)
    elif request.method == "POST":
        params.update((await request.post()).items())
    return params


def _int(params: dict[str, Any], name: str, default: int | None) -> Any:
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _BadRequest(f"field \"{name}\" must be an integer")


async def _main(port: int, tokens: dict[str, str]) -> None:
    server = BotApiServer(tokens)
    url = await server.start(port=port)
    print(f"Bot API simulator on {url} (api_url), bots: {', '.join('@' + u for u in tokens.values())}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", action="append", required=True, help="a bot token (repeatable)")
    parser.add_argument("--username", action="append", default=[], help="the bot's username, per --token")
    args = parser.parse_args()
    names = args.username + [f"pulsa{i}bot" for i in range(len(args.username), len(args.token))]
    try:
        asyncio.run(_main(args.port, dict(zip(args.token, names))))
    except KeyboardInterrupt:
        pass
