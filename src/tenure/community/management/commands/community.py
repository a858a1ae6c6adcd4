"""``tenure community inbound-smtp --port N``: an SMTP server that posts replies to community emails;
``tenure community read-mail FILE`` (or ``-`` for standard input): post one reply from a raw message, as an MTA's
pipe transport would; ``tenure community digests``: send the community digests that are due."""

import signal
import sys
import threading

from django.core.management.base import BaseCommand, CommandError

from tenure.community import digest, inbound
from tenure.integrations import inbound_mail


class Command(BaseCommand):
    help = "Community email: receive replies by email (an SMTP server, or one message), send digests."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        smtp = actions.add_parser("inbound-smtp", help="Run an SMTP server that posts replies to community emails.")
        smtp.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        smtp.add_argument("--port", type=int, default=2525, help="Port to listen on (default 2525).")
        read = actions.add_parser("read-mail", help="Post the reply in one raw RFC 5322 message.")
        read.add_argument("file", help="The message file, or - for standard input.")
        read.add_argument("--to", action="append", default=[],
                          help="The envelope recipient (else the message's Delivered-To, To and Cc).")
        actions.add_parser("digests", help="Send the community digests that are due.")

    def handle(self, *args, action, **options):
        if action == "inbound-smtp":
            return self._serve(options["host"], options["port"])
        if action == "read-mail":
            return self._read(options["file"], options["to"])
        sent = digest.send_digests()
        self.stdout.write(f"{sent} community digest{'s' if sent != 1 else ''} sent.")

    def _read(self, name: str, recipients: list[str]):
        if name == "-":
            raw = sys.stdin.buffer.read(inbound.MAX_MESSAGE_BYTES + 1)
        else:
            try:
                with open(name, "rb") as f:
                    raw = f.read(inbound.MAX_MESSAGE_BYTES + 1)
            except OSError as e:
                raise CommandError(f"cannot read {name}: {e.strerror}") from None
        try:
            post = inbound.receive(raw, recipients or None)
        except inbound.Refused as refused:
            raise CommandError(f"refused: {refused}") from None
        self.stdout.write(f"Posted as reply {post.number} in “{post.thread.title}” (thread {post.thread_id}).")

    def _serve(self, host: str, port: int):
        controller = inbound_mail.start_listener([inbound.ROUTE], host, port)
        self.stdout.write(f"Receiving community replies by SMTP on {host}:{port} (Ctrl-C or SIGTERM stops).")
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        try:
            while not stop.wait(1):
                pass
        finally:
            controller.stop()
        self.stdout.write("Stopped.")
