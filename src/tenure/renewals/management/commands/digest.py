from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tenure.renewals.digest import render_digest, send_digest, send_digests
from tenure.users.models import User


class Command(BaseCommand):
    help = "Send the digest emails that are due (or one user's, now, with --user); --dry-run prints instead."

    def add_arguments(self, parser):
        parser.add_argument("--user", help="Only this username, whether due or not.")
        parser.add_argument("--dry-run", action="store_true", help="Print what would be sent; send nothing.")

    def handle(self, *args, user=None, dry_run=False, **options):
        now = timezone.now()
        if user is None:
            count = send_digests(now, dry_run=dry_run)
            self.stdout.write(f"{count} digest{'s' if count != 1 else ''} {'due' if dry_run else 'sent'}.")
            return
        person = User.objects.filter(username=user).first()
        if person is None:
            raise CommandError(f"no user {user!r}")
        digest = send_digest(person, now, dry_run=dry_run, force=True)
        if digest is None:
            self.stdout.write(f"Nothing to send to {user} (no email address, or nothing new).")
        elif dry_run:
            self.stdout.write(render_digest(digest).body)
        else:
            self.stdout.write(f"Digest sent to {person.email}.")
