"""Change detection: which accounts' inputs changed since the refresh last looked (tenure.pipeline asks it)."""
