"""Mail coming in, for every room that takes it: reading a raw message (headers, its text, whether it is automatic),
and one SMTP listener that hands each message to the room whose address it was sent to (a *route*).

Community replies (``reply+<token>@…``, community.inbound) and CSMs' capture addresses (connectors.mail_capture) are
two routes; ``tenure serve --smtp-port N`` listens for both, ``tenure community inbound-smtp`` for the first only.
A route refuses a message by raising ``Refused`` with words for the sender: the listener answers 550 with them."""

from __future__ import annotations

import email
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from django.db import close_old_connections

log = logging.getLogger(__name__)
MAX_MESSAGE_BYTES = 10 * 1024 * 1024
_AUTOMATIC_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
# Where the quoted message begins: "On <date>, <name> wrote:" (and its French, German, Spanish, Italian, Dutch
# cousins), an Outlook header block, a forwarded-message line.
_ATTRIBUTION = re.compile(r"^\s*(on|le|am|el|il|op)\b.*\b(wrote|a écrit|schrieb|escribió|ha scritto|schreef)\s*:\s*$",
                          re.IGNORECASE)
_ATTRIBUTION_START = re.compile(r"^\s*(on|le|am|el|il|op)\s", re.IGNORECASE)
_ATTRIBUTION_END = re.compile(r"\b(wrote|a écrit|schrieb|escribió|ha scritto|schreef)\s*:\s*$", re.IGNORECASE)
_SEPARATOR = re.compile(r"^\s*(-{3,}\s*(original message|forwarded message)\s*-{3,}|_{20,})\s*$", re.IGNORECASE)
_OUTLOOK_FROM = re.compile(r"^\s*\*?from:\*?\s", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^\s*\*?(sent|date|to):\*?\s", re.IGNORECASE)
_MOBILE = re.compile(r"^\s*sent from my \w+", re.IGNORECASE)


class Refused(Exception):
    """The message is not taken; ``str()`` says why, in words for the person who sent it."""


def parse(raw) -> EmailMessage:
    """The message in ``raw`` bytes; Refused if it is not bytes, too large or unreadable."""
    if not isinstance(raw, bytes | bytearray):
        raise Refused("the message is not bytes")
    if len(raw) > MAX_MESSAGE_BYTES:
        raise Refused(f"the message is larger than {MAX_MESSAGE_BYTES // (1024 * 1024)} MB")
    try:
        return email.message_from_bytes(bytes(raw), policy=policy.default)
    except Exception:
        raise Refused("the message could not be read") from None


def clean(text: str) -> str:
    """Text a database stores: no NUL (PostgreSQL refuses it), no lone surrogates (undecodable bytes)."""
    text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def header(message, name: str) -> str:
    """A header's value, decoded; "" when absent or malformed."""
    try:
        return clean(str(message.get(name, "") or ""))
    except Exception:  # a malformed header reads as absent
        return ""


def addresses(message, *names: str) -> list[tuple[str, str]]:
    """(display name, lower-case address) of every address in the named headers, in order, each address once."""
    found, seen = [], set()
    for name in names:
        try:
            pairs = getaddresses([header(message, name)])
        except Exception:
            continue
        for display, address in pairs:
            address = (address or "").strip().lower()
            if "@" not in address or address in seen or len(address) > 254:
                continue
            seen.add(address)
            found.append((" ".join(str(display or "").split())[:200], address))
    return found


def sender(message) -> str:
    """The From address, lower case ("" if none)."""
    try:
        return (parseaddr(header(message, "From"))[1] or "").strip().lower()
    except Exception:
        return ""


def html_text(content: str, *, quotes: bool = False) -> str:
    """The words of an HTML body, a line per paragraph or line break (quoted blocks dropped, unless ``quotes``)."""
    from tenure.knowledge.markdown import plain_text

    content = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", "", content)
    if not quotes:
        content = re.sub(r"(?is)<blockquote.*?</blockquote>", "", content)  # the quoted message
    content = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>|</li>|</h\d>", "\n", content)
    return "\n".join(plain_text(line) for line in content.split("\n"))


def body_of(message, *, quotes: bool = False) -> str:
    """The message's text: its text/plain part, else its HTML part's words (without its quoted blocks, unless
    ``quotes``: a forward's original is in one)."""
    try:
        part = message.get_body(preferencelist=("plain", "html"))
        if part is None:
            return ""
        content = part.get_content()
        if not isinstance(content, str):
            return ""
        if part.get_content_subtype() == "html":
            content = html_text(content, quotes=quotes)
    except Exception:
        return ""
    return clean(content)


def is_automatic(message) -> bool:
    """An auto-reply, bounce-like or bulk message (RFC 3834 Auto-Submitted, Precedence and the X- cousins)."""
    auto = header(message, "Auto-Submitted").strip().lower()
    return bool((auto and auto != "no") or header(message, "X-Autoreply") or header(message, "X-Autorespond")
                or header(message, "Precedence").strip().lower() in _AUTOMATIC_PRECEDENCE)


def reply_text(text: str) -> str:
    """What the writer wrote: the text above the quoted message, without quoted lines (">") or the signature
    ("-- " and below)."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = []
    for i, line in enumerate(lines):
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if line.rstrip() == "--" or line == "-- ":
            break
        if _ATTRIBUTION.match(line) or _SEPARATOR.match(line):
            break
        if _ATTRIBUTION_START.match(line) and _ATTRIBUTION_END.search(following) and not line.lstrip().startswith(">"):
            break  # an attribution wrapped over two lines
        if _OUTLOOK_FROM.match(line) and _OUTLOOK_NEXT.match(following):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    while kept and (not kept[-1].strip() or _MOBILE.match(kept[-1])):
        kept.pop()
    return "\n".join(kept).strip("\n").strip()


def one_line(words) -> str:
    return " ".join(str(words).split())[:400]


@dataclass(frozen=True)
class Route:
    """Mail for the addresses ``accepts`` says yes to goes to ``deliver(raw, recipients)``, which returns the words
    of the 250 reply or raises Refused. ``deliver`` runs in a worker thread with its own database connection."""

    name: str
    accepts: Callable[[str], bool]
    deliver: Callable[[bytes, list[str]], str]


class SMTPHandler:
    """The aiosmtpd handler: a recipient no route accepts is refused at RCPT (550 5.1.1); one message goes to one
    route (a recipient of another route in the same transaction is told to come again: 452, RFC 5321 §3.3); the
    DATA reply is 250 or 550 with the route's reason."""

    def __init__(self, routes: Sequence[Route]):
        self.routes = tuple(routes)

    def _route_of(self, address: str) -> Route | None:
        for route in self.routes:
            try:
                if route.accepts(address):
                    return route
            except Exception:
                continue
        return None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        route = self._route_of(address)
        if route is None:
            names = " or ".join(r.name for r in self.routes)
            return f"550 5.1.1 not an address this server takes mail for ({names})"
        if envelope.rcpt_tos and self._route_of(envelope.rcpt_tos[0]) is not route:
            return "452 4.5.3 one kind of address per message: send again for this one"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        from asgiref.sync import sync_to_async

        route = self._route_of(envelope.rcpt_tos[0]) if envelope.rcpt_tos else None
        if route is None:
            return "554 5.5.1 no valid recipients"
        raw = envelope.original_content or envelope.content or b""
        try:
            words = await sync_to_async(_deliver_in_worker)(route, raw, list(envelope.rcpt_tos))
        except Refused as refused:
            log.info("mail for %s from %s refused: %s", route.name, envelope.mail_from, one_line(refused))
            return f"550 5.7.1 {one_line(refused)}"
        except Exception:  # never a dropped connection: the sender's server keeps the message and tries again
            log.exception("mail for %s from %s failed; the sender is told to try again", route.name,
                          envelope.mail_from)
            return "451 4.3.0 the message could not be taken now; try again later"
        log.info("mail for %s from %s: %s", route.name, envelope.mail_from, one_line(words))
        return f"250 OK: {one_line(words)}"


def _deliver_in_worker(route: Route, raw: bytes, recipients: list[str]) -> str:
    close_old_connections()
    try:
        return route.deliver(raw, recipients)
    finally:
        close_old_connections()


def start_listener(routes: Sequence[Route], host: str, port: int):
    """An SMTP listener for ``routes`` on host:port, started in its own thread; call ``.stop()`` on what it returns."""
    from aiosmtpd.controller import Controller

    controller = Controller(SMTPHandler(routes), hostname=host, port=port, data_size_limit=MAX_MESSAGE_BYTES)
    controller.start()
    return controller
