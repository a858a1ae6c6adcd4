"""The customer community: threads (questions, ideas, discussions) and their posts, written by the vendor's
customers' people (Contacts) in the portal and answered by each other and by staff; private working groups.

A post has one author: a Contact (a customer's person) or a staff User (shown with a staff badge). Categories and tags
are the knowledge base's: one map of product areas for articles and threads."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ThreadKind(models.TextChoices):
    QUESTION = "question", "Question"
    IDEA = "idea", "Idea"
    DISCUSSION = "discussion", "Discussion"


class IdeaStatus(models.TextChoices):
    NEW = "new", "New"
    UNDER_REVIEW = "under_review", "Under review"
    PLANNED = "planned", "Planned"
    SHIPPED = "shipped", "Shipped"
    DECLINED = "declined", "Declined"


class State(models.TextChoices):
    PUBLISHED = "published", "Published"
    HELD = "held", "Held for review"
    HIDDEN = "hidden", "Hidden by a moderator"


class WorkingGroup(models.Model):
    """A small private group of customers' people (by invitation) with threads only its members and staff read."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class GroupMember(models.Model):
    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="members")
    contact = models.ForeignKey("accounts.Contact", on_delete=models.CASCADE, related_name="+")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "contact"], name="community_member_once")]


class Authored(models.Model):
    """Who wrote it: a customer's person, or a staff user (never both, never neither)."""

    author_contact = models.ForeignKey("accounts.Contact", on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+")
    author_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    # The author's account when it was written: the account's community activity stays its own if they move.
    account = models.ForeignKey("accounts.Account", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")

    class Meta:
        abstract = True

    @property
    def by_staff(self) -> bool:
        return self.author_user_id is not None

    @property
    def author_name(self) -> str:
        if self.author_user_id:
            user = self.author_user
            return (user.get_full_name() or user.username) if user else "Staff"
        return str(self.author_contact) if self.author_contact_id and self.author_contact else "A former member"


class Thread(Authored):
    kind = models.CharField(max_length=12, choices=ThreadKind.choices, default=ThreadKind.QUESTION)
    title = models.CharField(max_length=200)
    category = models.ForeignKey("knowledge.Category", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="threads")
    tags = models.ManyToManyField("knowledge.Tag", blank=True, related_name="threads")
    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="threads",
                              help_text="A working group's thread: only its members and staff read it.")
    accepted_answer = models.ForeignKey("Post", on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="answer_of")
    accepted_at = models.DateTimeField(null=True, blank=True)
    idea_status = models.CharField(max_length=12, choices=IdeaStatus.choices, blank=True, default="")
    # Moderation (community.moderation): a held or hidden thread is read only by its author and the moderators.
    state = models.CharField(max_length=10, choices=State.choices, default=State.PUBLISHED)
    locked = models.BooleanField(default=False, help_text="No more replies.")
    pinned = models.BooleanField(default=False, help_text="Listed first.")
    merged_into = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                    help_text="The original this duplicate was merged into: its address leads there.")
    # Archived when its knowledge has gone into an article: still readable by its address, out of lists and search.
    archived_at = models.DateTimeField(null=True, blank=True)
    article = models.ForeignKey("knowledge.Article", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="threads", help_text="The article written from this thread.")
    ticket = models.ForeignKey("support.Ticket", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="threads", help_text="The support case this thread became or came from.")
    # Kept by community.services with each post and vote, so lists sort without counting.
    reply_count = models.PositiveIntegerField(default=0)
    vote_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    last_activity_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "community thread"
        ordering = ["-last_activity_at", "-pk"]
        indexes = [models.Index(fields=["account", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind="idea") | models.Q(idea_status=""),
                                   name="community_status_for_ideas_only"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def solved(self) -> bool:
        return self.accepted_answer_id is not None


class Post(Authored):
    """The thread's opening post (number 1) or a reply."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    number = models.PositiveIntegerField()
    body = models.TextField(help_text="Markdown.")
    body_html = models.TextField(editable=False, default="")
    body_text = models.TextField(editable=False, default="")
    like_count = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PUBLISHED)
    created_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)
    # Set once its notification emails are claimed for sending (community.notifications): never sent twice.
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["thread", "number"]
        constraints = [models.UniqueConstraint(fields=["thread", "number"], name="community_post_number_unique")]
        indexes = [models.Index(fields=["account", "created_at"]), models.Index(fields=["author_contact"])]

    def __str__(self) -> str:
        return f"{self.thread} #{self.number}"

    @property
    def opening(self) -> bool:
        return self.number == 1


class PostRevision(models.Model):
    """A post's earlier body, kept when it is edited: who wrote the body it replaced, and when."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    title = models.CharField(max_length=200, blank=True, default="",
                             help_text="The thread's title, for an opening post.")
    edited_by_contact = models.ForeignKey("accounts.Contact", on_delete=models.SET_NULL, null=True, blank=True,
                                          related_name="+")
    edited_by_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+")
    edited_at = models.DateTimeField()

    class Meta:
        ordering = ["post", "-number"]
        constraints = [models.UniqueConstraint(fields=["post", "number"], name="community_revision_number_unique")]


class Reaction(models.Model):
    """A like of a post, or a vote for an idea (on its opening post's thread): once per person.
    ``who`` is "c<contact id>" or "u<user id>", so one unique key covers members and staff alike."""

    class Kind(models.TextChoices):
        LIKE = "like", "Like"
        VOTE = "vote", "Idea vote"

    kind = models.CharField(max_length=4, choices=Kind.choices)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    who = models.CharField(max_length=24)
    contact = models.ForeignKey("accounts.Contact", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="+")
    created_at = models.DateTimeField(default=timezone.now)  # an imported like keeps its day

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "post", "who"], name="community_reaction_once")]


class Moderator(models.Model):
    """A trusted member who moderates (staff who may write moderate anyway)."""

    contact = models.OneToOneField("accounts.Contact", on_delete=models.CASCADE, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)


class FlagKind(models.TextChoices):
    MEMBER = "member", "Flagged by a member"
    NEW_MEMBER = "new_member", "A new member's first post"
    WORD_LIST = "word_list", "Matches the word list"
    LINK_SPAM = "link_spam", "Links from a new member"
    SUPPORT_CASE = "support_case", "Shared from a support case: check it says nothing private"


class Review(models.Model):
    """Why a post is in the moderators' review queue: held by a rule when it was written, or flagged by a member.
    Resolved by a moderator's decision (approve, reject, or dismiss the flag)."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        DISMISSED = "dismissed", "Flag dismissed"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reviews")
    kind = models.CharField(max_length=12, choices=FlagKind.choices)
    reason = models.CharField(max_length=500, blank=True, default="")
    flagged_by = models.ForeignKey("accounts.Contact", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True, default="")

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["resolved_at", "created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["post", "flagged_by"], condition=models.Q(resolved_at__isnull=True),
                                    name="community_flag_once_while_open"),
        ]


class ModerationAction(models.Model):
    """What a moderator did, with the reason they gave (also in the audit trail)."""

    class Action(models.TextChoices):
        APPROVE = "approve", "Approved"
        REJECT = "reject", "Rejected"
        DISMISS = "dismiss", "Dismissed a flag"
        HIDE = "hide", "Hid"
        UNHIDE = "unhide", "Showed again"
        LOCK = "lock", "Locked"
        UNLOCK = "unlock", "Unlocked"
        PIN = "pin", "Pinned"
        UNPIN = "unpin", "Unpinned"
        EDIT = "edit", "Edited"
        MOVE = "move", "Moved"
        MERGE = "merge", "Merged"
        ARCHIVE = "archive", "Archived"

    action = models.CharField(max_length=8, choices=Action.choices)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="moderation_actions")
    post = models.ForeignKey(Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reason = models.CharField(max_length=500, blank=True, default="")
    by_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    by_contact = models.ForeignKey("accounts.Contact", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-pk"]


class CommunitySettings(models.Model):
    """How the community counts reputation and who becomes a maven: one row, edited by CS operations (admin)."""

    points_thread = models.PositiveSmallIntegerField(default=1, help_text="Points for starting a thread.")
    points_reply = models.PositiveSmallIntegerField(default=2, help_text="Points for each reply.")
    points_accepted = models.PositiveSmallIntegerField(default=15, help_text="Points for an accepted answer.")
    points_like = models.PositiveSmallIntegerField(default=1, help_text="Points for each like received.")
    points_idea_vote = models.PositiveSmallIntegerField(default=2, help_text="Points for each vote one's idea gets.")
    maven_accepted = models.PositiveSmallIntegerField(
        default=5, help_text="A maven has at least this many accepted answers…")
    maven_helped = models.PositiveSmallIntegerField(
        default=4, help_text="…to questions of at least this many different people…")
    maven_points = models.PositiveIntegerField(default=100, help_text="…and at least this many points.")

    class Meta:
        verbose_name = verbose_name_plural = "community settings"

    def __str__(self) -> str:
        return "Community settings"

    @classmethod
    def load(cls) -> "CommunitySettings":
        return cls.objects.order_by("pk").first() or cls()


class Standing(models.Model):
    """A member's reputation as last counted (community.reputation): what the map, the profile and the maven rule
    read, so none of them counts posts on every page."""

    contact = models.OneToOneField("accounts.Contact", on_delete=models.CASCADE, related_name="community_standing")
    points = models.PositiveIntegerField(default=0)
    threads = models.PositiveIntegerField(default=0)
    replies = models.PositiveIntegerField(default=0)
    accepted_answers = models.PositiveIntegerField(default=0)
    people_helped = models.PositiveIntegerField(default=0, help_text="Different askers whose question they answered.")
    likes_received = models.PositiveIntegerField(default=0)
    votes_received = models.PositiveIntegerField(default=0)
    replies_received = models.PositiveIntegerField(default=0, help_text="Replies others wrote in their threads.")
    articles = models.PositiveIntegerField(default=0, help_text="Articles written from their threads.")
    maven_since = models.DateTimeField(null=True, blank=True)
    maven_evidence = models.CharField(max_length=300, blank=True, default="")
    counted_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["-points"])]


class NotificationLevel(models.TextChoices):
    WATCHING = "watching", "Watching: every post"
    TRACKING = "tracking", "Tracking: replies to me and @mentions of me"
    NORMAL = "normal", "Normal: replies to my threads and answers accepted in them"
    MUTED = "muted", "Muted: nothing"


class Watch(models.Model):
    """How much a member hears about one thread, category or tag (community.notifications). No row: normal."""

    contact = models.ForeignKey("accounts.Contact", on_delete=models.CASCADE, related_name="community_watches")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, null=True, blank=True, related_name="watches")
    category = models.ForeignKey("knowledge.Category", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="+")
    tag = models.ForeignKey("knowledge.Tag", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    level = models.CharField(max_length=8, choices=NotificationLevel.choices)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(thread__isnull=False, category__isnull=True, tag__isnull=True)
                           | models.Q(thread__isnull=True, category__isnull=False, tag__isnull=True)
                           | models.Q(thread__isnull=True, category__isnull=True, tag__isnull=False)),
                name="community_watch_one_target"),
            models.UniqueConstraint(fields=["contact", "thread"], condition=models.Q(thread__isnull=False),
                                    name="community_watch_thread_once"),
            models.UniqueConstraint(fields=["contact", "category"], condition=models.Q(category__isnull=False),
                                    name="community_watch_category_once"),
            models.UniqueConstraint(fields=["contact", "tag"], condition=models.Q(tag__isnull=False),
                                    name="community_watch_tag_once"),
        ]


class DigestFrequency(models.TextChoices):
    NONE = "none", "No digest"
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"


class MailSettings(models.Model):
    """A member's community email: how often a digest comes, and when the last one was sent (so nothing in it is
    sent twice). No row: no digest."""

    contact = models.OneToOneField("accounts.Contact", on_delete=models.CASCADE, related_name="community_mail")
    digest = models.CharField(max_length=6, choices=DigestFrequency.choices, default=DigestFrequency.NONE)
    digest_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "community mail settings"
