import pytest


@pytest.fixture(autouse=True)
def _first_posts_shown(settings):
    """Most community tests are about threads, not moderation: first posts are shown at once unless a test turns
    the review of new members' first posts back on (tests/community/test_moderation.py)."""
    settings.TENURE_COMMUNITY_HOLD_FIRST_POSTS = False
