"""Raw value → points: linear ranges and bands, as CS Ops type them; bands of the total."""

import pytest

from tenure.health.scoring import band_for, format_mapping, map_value, parse_mapping


def test_linear_range_maps_between_zero_and_full_points_and_clamps():
    mapping = {"type": "linear", "zero": 10, "full": 70}
    assert map_value(10, mapping) == 0
    assert map_value(40, mapping) == 50
    assert map_value(70, mapping) == 100
    assert map_value(-5, mapping) == 0
    assert map_value(120, mapping) == 100


def test_reversed_linear_range_rewards_smaller_values():
    mapping = {"type": "linear", "zero": 180, "full": 30}
    assert map_value(30, mapping) == 100
    assert map_value(105, mapping) == 50
    assert map_value(365, mapping) == 0


def test_bands_take_the_first_limit_the_value_is_at_or_under():
    mapping = {"type": "bands", "bands": [[3, 100], [7, 85], [14, 60]], "else": 0}
    assert [map_value(v, mapping) for v in (0, 3, 4, 7, 14, 15, 400)] == [100, 100, 85, 85, 60, 0, 0]


def test_mapping_text_round_trips():
    for text in ("10 → 70", "180 → 30", "≤0: 100, ≤1: 65, ≤2: 35, else: 10", "-50 → 10"):
        assert format_mapping(parse_mapping(text)) == text
    assert parse_mapping("<=3: 100, else: 0") == {"type": "bands", "bands": [[3.0, 100.0]], "else": 0.0}
    assert parse_mapping("1 -> 2") == {"type": "linear", "zero": 1.0, "full": 2.0}


@pytest.mark.parametrize("text", ["", "fast", "≤3: 100", "≤7: 100, ≤3: 50, else: 0", "≤3: 140, else: 0"])
def test_unreadable_mappings_are_refused_with_a_reason(text):
    with pytest.raises(ValueError):
        parse_mapping(text)


def test_bands_use_the_configured_thresholds():
    thresholds = {"red": 40, "green": 70}
    assert [band_for(s, thresholds) for s in (0, 39.9, 40, 69.9, 70, 100)] == [
        "red", "red", "yellow", "yellow", "green", "green"]
    assert band_for(55, {"red": 60, "green": 80}) == "red"
    assert band_for(None, thresholds) == ""
