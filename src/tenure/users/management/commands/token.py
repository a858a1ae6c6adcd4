from django.core.management.base import BaseCommand, CommandError

from tenure.users.models import ApiToken, User
from tenure.users.services import issue_token, revoke_token


class Command(BaseCommand):
    help = "Create, list or revoke API tokens: tenure token create USERNAME NAME | list | revoke PREFIX"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a token and print it once")
        create.add_argument("username")
        create.add_argument("name")
        sub.add_parser("list", help="list tokens")
        revoke = sub.add_parser("revoke", help="revoke the token whose key starts with PREFIX")
        revoke.add_argument("prefix")

    def handle(self, *args, action, **opts):
        if action == "create":
            user = User.objects.filter(username=opts["username"]).first()
            if user is None:
                raise CommandError(f"no user named {opts['username']!r}")
            _, raw = issue_token(user, opts["name"])
            self.stdout.write(raw)
            self.stderr.write("Store this key now: it is not kept and cannot be shown again.")
        elif action == "list":
            for t in ApiToken.objects.select_related("user"):
                state = "revoked" if t.revoked_at else "active"
                self.stdout.write(f"{t.key_prefix}…  {t.user.username:<20} {t.name:<30} {state}")
        else:
            matches = list(ApiToken.objects.filter(key_prefix__startswith=opts["prefix"][: ApiToken.SHOWN]))
            if len(matches) != 1:
                raise CommandError(f"{len(matches)} tokens start with {opts['prefix']!r}; give exactly one")
            revoke_token(matches[0])
            self.stdout.write(f"revoked {matches[0]}")
