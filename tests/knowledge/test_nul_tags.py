"""A tag name holding a NUL character is refused with its reason on both databases (PostgreSQL cannot even compare
it: it was refused only after a lookup that failed there)."""

import pytest
from django.core.exceptions import ValidationError

from tenure.knowledge.models import Tag
from tenure.knowledge.services import tags_named


@pytest.mark.django_db
def test_a_nul_in_a_tag_name_is_refused_before_any_lookup():
    tags_named(["exports"])
    with pytest.raises(ValidationError) as refused:
        tags_named(["exports", "ex\x00ports"])
    assert "tags" in refused.value.message_dict and list(Tag.objects.values_list("name", flat=True)) == ["exports"]
