"""The demo's customer community: a year of threads that follow the accounts' stories, and what customer success
reads from it (facts, the health measure, the signals, the customerium map)."""

from collections import Counter

from tenure.community.models import GroupMember, Standing, Thread, WorkingGroup
from tenure.community.services import ANONYMOUS
from tenure.community.similar import similar_threads
from tenure.demo.models import DemoScenario
from tenure.health.models import HealthSnapshot
from tenure.risk.models import Signal
from tenure.web import customerium
from tests.demo.conftest import TODAY


def test_a_year_of_threads_with_answers_ideas_duplicates_and_a_working_group(small_demo):
    threads = Thread.objects.all()
    kinds = Counter(threads.values_list("kind", flat=True))
    assert threads.count() >= 50 and kinds["question"] > kinds["idea"] > 0 and kinds["discussion"] > 0
    assert threads.filter(accepted_answer__isnull=False).count() >= threads.filter(kind="question").count() / 3
    assert threads.filter(kind="idea", vote_count__gt=0).exists()
    assert not threads.filter(created_at__date__gt=TODAY).exists()
    group = WorkingGroup.objects.get()
    assert GroupMember.objects.filter(group=group).exists() and threads.filter(group=group).exists()
    # Popular questions were asked again: the detector finds the earlier threads while a member types.
    asked = Counter(threads.filter(kind="question").values_list("title", flat=True)).most_common(1)[0][0]
    assert len(similar_threads(asked, ANONYMOUS)) >= 2


def test_leavers_stop_posting_before_they_go(small_demo):
    for s in DemoScenario.objects.filter(churned_on__isnull=False):
        assert not Thread.objects.filter(author_contact__account_id=s.account_id,
                                         created_at__date__gt=s.churned_on).exists()


def test_customer_success_reads_the_community(small_demo):
    today = HealthSnapshot.objects.filter(day=TODAY)
    measured = [s for s in today if any(m["key"] == "community_engagement" and not m["missing"] for m in s.measures)]
    assert measured, "no account's health score counted its community engagement"
    assert Signal.objects.filter(kind="community_unanswered").exists()
    mavens = [p for p in customerium.people() if p.maven]
    assert mavens and Standing.objects.filter(accepted_answers__gt=0).exists()
    sentiments = Counter(p.sentiment for p in customerium.people())
    assert sentiments["promoter"] and sentiments["detractor"]
