"""Reply by email: a member answers a community email, and what they wrote above the quoted text is posted in the
thread as them, through community.services.reply (so the thread's rules and moderation apply as on the website).

The Reply-To address of every community email is ``reply+<token>@<domain>`` (community.notifications): the token
names the thread and the member and is signed, so it cannot be made up or changed. A message is refused, with a
reason a person can read (an SMTP 550 reply, or the command's error), when its token is bad or expired, when its
member has left or may no longer write in the thread, when it comes from another address than the member's, when it
is an automatic reply, or when nothing is left once quoted text and signatures are taken away.

``receive(raw)`` never raises anything but ``Refused``, whatever bytes it is given."""

from __future__ import annotations

import re
from email.utils import parseaddr

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError

from tenure.accounts.models import Contact
from tenure.community import notifications
from tenure.community import services as community
from tenure.community.models import Post
from tenure.integrations import inbound_mail

MAX_MESSAGE_BYTES = inbound_mail.MAX_MESSAGE_BYTES
Refused = inbound_mail.Refused  # the message is not posted; ``str()`` says why
reply_text = inbound_mail.reply_text  # what the member wrote, above the quoted message
_REPLY_ADDRESS = re.compile(r"^reply\+([0-9a-z.]{1,80})@", re.IGNORECASE)
def token_in(addresses) -> str | None:
    """The reply token of the first community reply address among ``addresses``."""
    for address in addresses:
        found = _REPLY_ADDRESS.match(parseaddr(str(address))[1] or "")
        if found:
            return found.group(1)
    return None


def receive(raw: bytes, recipients=None) -> Post:
    """Post a reply that came by email; ``recipients`` are the envelope's (else the message's own To, Cc and
    Delivered-To). Raises Refused, saying why, if it is not posted."""
    message = inbound_mail.parse(raw)
    if inbound_mail.is_automatic(message):
        raise Refused("automatic replies are not posted in the community")
    if not recipients:
        recipients = [a for _, a in inbound_mail.addresses(message, "Delivered-To", "To", "Cc")]
    token = token_in(recipients or [])
    if token is None:
        raise Refused("the message is not addressed to a community reply address")
    try:
        thread_id, contact_id = notifications.read_reply_token(token)
    except signing.SignatureExpired:
        raise Refused("this reply address has expired: reply on the community's website instead") from None
    except (signing.BadSignature, ValueError):
        raise Refused("this reply address is not valid (it was changed or not made by us)") from None
    contact = Contact.objects.filter(pk=contact_id).first()
    if contact is None or contact.left_on is not None:
        raise Refused("the member this reply address was made for is no longer a member")
    sender = inbound_mail.sender(message)
    if not contact.email or sender != contact.email.lower():
        raise Refused("replies are posted only from the address the community email was sent to")
    viewer = community.Viewer(contact=contact)
    thread = community.readable_thread(thread_id, viewer)
    if thread is None:
        raise Refused("the thread is gone, or you may no longer read it")
    text = reply_text(inbound_mail.body_of(message))
    if not text:
        raise Refused("the reply is empty once the quoted message and signature are taken away")
    try:
        return community.reply(thread, viewer, body=text)
    except ValidationError as e:
        raise Refused("the reply was not posted: " + "; ".join(
            f"{field} {' '.join(words)}" for field, words in e.message_dict.items())) from None
    except PermissionDenied as e:
        raise Refused(f"the reply was not posted: {e}") from None


def _deliver(raw: bytes, recipients: list[str]) -> str:
    post = receive(raw, recipients)
    return f"posted as reply {post.number}"


ROUTE = inbound_mail.Route("community reply addresses", lambda address: token_in([address]) is not None, _deliver)


class SMTPHandler(inbound_mail.SMTPHandler):
    """The aiosmtpd handler of ``tenure community inbound-smtp``: it takes mail only for reply addresses, and answers
    each message 250 (posted) or 550 with the reason it was refused."""

    def __init__(self):
        super().__init__([ROUTE])
