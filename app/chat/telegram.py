"""The Telegram channel: one bot token, long polling through python-telegram-bot's `Bot` (no Application).

`api_url` names the Bot API server's root ("https://api.telegram.org" when empty; a self-hosted
telegram-bot-api or the simulator in modems/sim/botapi.py otherwise); PTB's base URL is that + "/bot",
to which PTB appends the token itself.

Receiving: getMe, then getUpdates(offset, timeout) in a loop. Every update is handed to `deliver` in order
and the offset moves past it only after `deliver` returned, so an update that was not stored is fetched
again (deliver deduplicates by "tg:<bot id>:<update id>"). Only text messages in private chats are orders;
other updates are acknowledged and skipped. When the loop is cancelled, the offset reached is confirmed to
the server (best effort), so Pulsa coming back gets only what arrived while it was stopped.

`sent_at` is the message's Telegram date converted to the shop's naive local time, as the engine keeps SMS
timestamps (app/service.py).

A dropped link is retried with exponential back-off (1 s doubling to 60 s, back to 1 s once the server
answers). A token the server rejects (401/404 on getMe or later) reports REFUSED and `run` returns: it is not
tried again until the owner changes it.

Sending: "tg:<user id>" → sendMessage; a text over 4096 characters goes as several messages cut at line
breaks, and when one of them fails the outbox's next try of the same reply sends only the rest. Every failure
is a ChatSendError with an Indonesian detail.

The token is a secret. httpx logs every request URL (which holds the token) at INFO and PTB logs it at
DEBUG, so those loggers are kept at WARNING and carry a filter that masks every token in use.
"""
from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any

# PTB 22 reads its time periods (RetryAfter.retry_after, even inside its own constructor) as ints with a
# deprecation warning unless opted in to the coming datetime.timedelta; opt in, before PTB is used
os.environ.setdefault("PTB_TIMEDELTA", "true")

from telegram import Bot, Message, Update  # noqa: E402
from telegram.error import Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from app.chat.transport import (  # noqa: E402
    ChannelKind, ChannelState, ChannelStatus, ChatMessage, ChatSendError, Deliver, Report)

log = logging.getLogger(__name__)

OFFICIAL_API_URL = "https://api.telegram.org"
MAX_TEXT = 4096  # Telegram's limit on one message's text
PARTIAL_KEEP_S = 3600.0  # how long a reply sent part-way waits for the outbox to try it again
_LIBRARY_LOGGERS = ("httpx", "httpcore", "telegram", "telegram.Bot", "telegram.BaseRequest", "telegram.HTTPXRequest")
_MASK = "<token>"


class _TokenMask(logging.Filter):
    """Masks every token in use in a record's message and traceback (a logger filter sees only that logger's
    own records, so it is added to each library logger by name)."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens: set[str] = set()

    def mask(self, text: str) -> str:
        for token in self.tokens:
            text = text.replace(token, _MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "telegram.Bot" and str(record.msg).startswith("Error while parsing updates"):
            record.msg, record.args = "Error while parsing updates (the data holds users' messages: not logged)", None
        if not self.tokens:
            return True
        message = record.getMessage()
        masked = self.mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.mask(logging.Formatter().formatException(record.exc_info))
        return True


_token_mask = _TokenMask()


def _guard_library_logs(token: str) -> None:
    _token_mask.tokens.add(token)
    for name in _LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if _token_mask not in logger.filters:
            logger.addFilter(_token_mask)
        if name in ("httpx", "telegram") and logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)


def base_url(api_url: str | None) -> str:
    """PTB's base URL (the token is appended to it) for a channel's `api_url`."""
    root = (api_url or OFFICIAL_API_URL).strip().rstrip("/")
    return root if root.endswith("/bot") else root + "/bot"


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces of at most `limit` characters, cut after a line break where there is one."""
    pieces = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit) + 1 or limit
        pieces.append(text[:cut])
        text = text[cut:]
    if text or not pieces:
        pieces.append(text)
    return pieces


def parse_address(to: str) -> int:
    if not to.startswith("tg:"):
        raise ChatSendError(f"alamat bukan Telegram: {to}")
    try:
        return int(to[3:])
    except ValueError:
        raise ChatSendError(f"ID Telegram tidak sah: {to}") from None


class TelegramTransport:
    kind = ChannelKind.TELEGRAM

    def __init__(self, name: str, token: str, api_url: str | None = None, *, poll_timeout: float = 25.0,
                 min_backoff: float = 1.0, max_backoff: float = 60.0) -> None:
        self.name = name
        self._token = token
        self._base_url = base_url(api_url)
        self._file_url = self._base_url[: -len("/bot")] + "/file/bot"
        self.poll_timeout = poll_timeout
        self.min_backoff, self.max_backoff = min_backoff, max_backoff
        self.bot_id: int | None = None
        self.username = ""
        self._bot: Bot | None = None  # open while `run` runs
        self._offset: int | None = None  # the next update id to ask for
        self._confirmed: int | None = None  # the offset the server last saw
        self._partial: dict[tuple[str, str], tuple[int, float]] = {}  # (to, text) -> (pieces sent, when)
        _guard_library_logs(token)

    def __repr__(self) -> str:  # never the token
        return f"TelegramTransport({self.name!r})"

    # --- life ---------------------------------------------------------------------------------------------

    def _open(self) -> tuple[Bot, tuple[HTTPXRequest, ...]]:
        # our own request objects, closed by us: Bot.initialize (whose InvalidToken error names the token) is
        # never needed
        polling = HTTPXRequest(connection_pool_size=1, connect_timeout=5.0, read_timeout=10.0)
        sending = HTTPXRequest(connection_pool_size=4, connect_timeout=5.0, read_timeout=15.0)
        bot = Bot(self._token, base_url=self._base_url, base_file_url=self._file_url, request=sending,
                  get_updates_request=polling)
        return bot, (polling, sending)

    @staticmethod
    async def _close(requests: tuple[HTTPXRequest, ...]) -> None:
        await asyncio.gather(*(r.shutdown() for r in requests), return_exceptions=True)

    async def run(self, deliver: Deliver, report: Report) -> None:
        bot, requests = self._open()
        self._bot = bot
        delay = self.min_backoff
        state = ChannelState.STOPPED

        def say(new: ChannelState, detail: str) -> None:
            nonlocal state
            state = new
            report(ChannelStatus(self.name, new, detail))

        say(ChannelState.CONNECTING, "menghubungi server Telegram")
        try:
            while True:
                try:
                    if state is not ChannelState.ONLINE:
                        me = await bot.get_me()
                        self.bot_id, self.username = me.id, me.username or me.first_name
                        say(ChannelState.ONLINE, f"tersambung sebagai @{self.username}")
                    await self._poll_once(bot, deliver)
                    delay = self.min_backoff
                except (InvalidToken, Forbidden):
                    say(ChannelState.REFUSED, "token ditolak server Telegram")
                    log.warning("telegram %s: token ditolak server, berhenti sampai token diganti", self.name)
                    return
                except RetryAfter as exc:
                    wait = max(_seconds(exc.retry_after), delay)
                    log.info("telegram %s: server minta menunggu %s dtk", self.name, wait)
                    await asyncio.sleep(wait)
                except (NetworkError, Conflict, TelegramError) as exc:
                    detail = ("bot dipakai program lain (webhook atau polling ganda)" if isinstance(exc, Conflict)
                              else "koneksi terputus")
                    say(ChannelState.OFFLINE, f"{detail}, mencoba lagi dalam {delay:g} dtk")
                    log.info("telegram %s: %s (%s); mencoba lagi dalam %g dtk", self.name, detail,
                             _token_mask.mask(str(exc)), delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self.max_backoff)
                except _DeliverFailed:
                    await asyncio.sleep(delay)  # the same update comes again with the next poll
                    delay = min(delay * 2, self.max_backoff)
        finally:
            self._bot = None
            await self._confirm(bot)
            await self._close(requests)

    async def _poll_once(self, bot: Bot, deliver: Deliver) -> None:
        """One getUpdates round: deliver what came, in order, moving the offset past each one delivered."""
        updates = await bot.get_updates(offset=self._offset, timeout=max(1, round(self.poll_timeout)),
                                        allowed_updates=["message"])
        self._confirmed = self._offset
        for update in updates:
            message = _order_message(update)
            if message is not None:
                chat = ChatMessage(channel=self.name, kind=ChannelKind.TELEGRAM, sender=f"tg:{message.from_user.id}",
                                   text=message.text, sent_at=message.date.astimezone().replace(tzinfo=None),
                                   dedupe_key=f"tg:{self.bot_id}:{update.update_id}")
                try:
                    await deliver(chat)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("telegram %s: pesan update %s gagal disimpan; diambil lagi nanti", self.name,
                                  update.update_id)
                    raise _DeliverFailed from None
            self._offset = update.update_id + 1

    async def _confirm(self, bot: Bot) -> None:
        """Tell the server the offset reached, so updates already delivered are not fetched after a restart."""
        if self._offset is None or self._offset == self._confirmed:
            return
        try:
            async with asyncio.timeout(2.0):
                await bot.get_updates(offset=self._offset, timeout=0, limit=1, allowed_updates=["message"])
            self._confirmed = self._offset
        except (TelegramError, TimeoutError):
            pass  # deliver deduplicates what comes again

    # --- sending ------------------------------------------------------------------------------------------

    async def send(self, to: str, text: str) -> None:
        chat_id = parse_address(to)
        bot, requests = self._bot, ()
        if bot is None:  # not running: a short-lived connection for this reply
            bot, requests = self._open()
        pieces = split_text(text)
        # a long reply that failed part-way is resumed when the outbox tries it again, not sent twice
        now = time.monotonic()
        self._partial = {k: v for k, v in self._partial.items() if now - v[1] < PARTIAL_KEEP_S}
        done = self._partial.pop((to, text), (0, now))[0]
        try:
            for piece in pieces[done:]:
                await bot.send_message(chat_id=chat_id, text=piece)
                done += 1
        except RetryAfter as exc:
            raise ChatSendError(f"Telegram minta menunggu {_seconds(exc.retry_after):g} dtk") from None
        except (InvalidToken, Forbidden) as exc:
            reason = "token ditolak" if isinstance(exc, InvalidToken) else "pengguna memblokir bot"
            raise ChatSendError(f"Telegram menolak: {reason}") from None
        except NetworkError as exc:
            raise ChatSendError(f"koneksi Telegram gagal: {_token_mask.mask(str(exc))}") from None
        except TelegramError as exc:
            raise ChatSendError(f"Telegram menolak: {_token_mask.mask(str(exc))}") from None
        finally:
            if 0 < done < len(pieces):
                self._partial[(to, text)] = (done, now)
            await self._close(requests)


class _DeliverFailed(Exception):
    pass


def _order_message(update: Update) -> Message | None:
    """The update's message when it can be an order: text, from a person, in a private chat."""
    message = update.message
    if message is None or message.text is None or message.from_user is None or message.from_user.is_bot:
        return None
    if message.chat.type != "private":
        return None
    return message


def _seconds(value: Any) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)
