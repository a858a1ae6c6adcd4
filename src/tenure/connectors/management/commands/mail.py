"""``tenure mail address USERNAME [--renew]``: a staff user's capture address (a new one with --renew);
``tenure mail read-mail FILE`` (or ``-`` for standard input): capture one raw message, as an MTA's pipe transport
would. The SMTP listener for capture addresses is ``tenure serve --smtp-port N``."""

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tenure.connectors import mail_capture
from tenure.integrations import inbound_mail


class Command(BaseCommand):
    help = "Email capture: show or renew a capture address, capture one message."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        address = actions.add_parser("address", help="Show a staff user's capture address.")
        address.add_argument("username")
        address.add_argument("--renew", action="store_true", help="Make a new address (the old one stops working).")
        read = actions.add_parser("read-mail", help="Capture the mail in one raw RFC 5322 message.")
        read.add_argument("file", help="The message file, or - for standard input.")
        read.add_argument("--to", action="append", default=[],
                          help="The envelope recipient (else the message's Delivered-To, X-Original-To, To and Cc).")

    def handle(self, *args, action, **options):
        if action == "address":
            user = get_user_model().objects.filter(username=options["username"]).first()
            if user is None:
                raise CommandError(f"no user {options['username']!r}")
            if options["renew"]:
                mail_capture.renew_address(user)
            self.stdout.write(mail_capture.address_of(user))
            return
        name = options["file"]
        if name == "-":
            raw = sys.stdin.buffer.read(inbound_mail.MAX_MESSAGE_BYTES + 1)
        else:
            try:
                with open(name, "rb") as f:
                    raw = f.read(inbound_mail.MAX_MESSAGE_BYTES + 1)
            except OSError as e:
                raise CommandError(f"cannot read {name}: {e.strerror}") from None
        try:
            captured = mail_capture.capture(raw, options["to"] or None)
        except inbound_mail.Refused as refused:
            raise CommandError(f"refused: {refused}") from None
        self.stdout.write(captured.words()[:1].upper() + captured.words()[1:] + ".")
