"""A score loads only the groups of facts its measures read (measures.FACTS): the raw values are the same as with
every group loaded."""

import pytest

from tenure.facts import load_facts
from tenure.health.measures import FACTS, raw_values
from tests.facts.test_leakage import DAY, D, world  # noqa: F401  (the fixture: one of every input over a year)


def test_the_measures_read_only_the_facts_a_score_loads(world):  # noqa: F811
    account, _, _ = world
    for day in (D - 90 * DAY, D - 20 * DAY, D):
        everything = raw_values(load_facts([account.pk], day))
        assert everything[account.pk]["sentiment"] is not None
        assert raw_values(load_facts([account.pk], day, parts=FACTS)) == everything


@pytest.mark.django_db
def test_the_migrated_default_scorecard_is_the_code_default_with_every_engagement_measure():
    from tenure.health.measures import DEFAULT_DEFINITION
    from tenure.health.services import default_version

    keys = [m["key"] for m in default_version().definition["measures"]]
    assert default_version().definition == DEFAULT_DEFINITION
    assert {"knowledge_engagement", "community_engagement"} <= set(keys)
