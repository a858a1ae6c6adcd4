from django.core.management.base import BaseCommand, CommandError

from tenure.usage.models import WriteKey
from tenure.usage.services import create_write_key, revoke_write_key


class Command(BaseCommand):
    help = "Write keys for the event API: tenure writekey create NAME | list | revoke PREFIX"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("create", help="create a key and print it once").add_argument("name")
        sub.add_parser("list", help="list keys")
        sub.add_parser("revoke", help="revoke the key that starts with PREFIX").add_argument("prefix")

    def handle(self, *args, action, **opts):
        if action == "create":
            _, raw = create_write_key(opts["name"])
            self.stdout.write(raw)
            self.stderr.write(
                "Point your analytics SDK at this server with this write key. It is not stored and "
                "cannot be shown again."
            )
        elif action == "list":
            for key in WriteKey.objects.all():
                state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
                used = f"last used {key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never used"
                self.stdout.write(f"{key.key_prefix}…  {key.name:<30} {state:<18} {used}")
        else:
            matches = list(WriteKey.objects.filter(key_prefix__startswith=opts["prefix"][: WriteKey.SHOWN]))
            if len(matches) != 1:
                raise CommandError(f"{len(matches)} write keys start with {opts['prefix']!r}; give exactly one")
            revoke_write_key(matches[0])
            self.stdout.write(f"revoked {matches[0]}")
