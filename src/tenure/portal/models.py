from django.db import models

from tenure.accounts.models import Account, Contact


class SignInLink(models.Model):
    """An emailed link that signs a customer's person in to the portal: good for one sign-in, until it expires.
    Only a hash of its token is stored: the table, read back, signs no one in."""

    token_hash = models.CharField(max_length=64, unique=True)
    email = models.CharField(max_length=254, help_text="The address the link was sent to, in lower case.")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                                help_text="The person it signs in; empty for a sign-up by the email's domain.")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                                help_text="For a sign-up by domain: the account the new contact joins.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"])]  # old links are forgotten by their expiry
        constraints = [
            models.CheckConstraint(condition=models.Q(contact__isnull=False) | models.Q(account__isnull=False),
                                   name="sign_in_link_for_contact_or_account"),
        ]

    def __str__(self) -> str:
        return f"sign-in link for {self.email}"
