"""Every measure in plain words, with the points it moved since last week."""

from tenure.health.explain import explain, explain_snapshot, format_raw


def row(key, raw, points, missing=False, modifier=False, label="X", unit="%"):
    return {"key": key, "label": label, "raw": raw, "unit": unit, "points": points, "missing": missing,
            "modifier": modifier}


def test_active_users_down_with_the_points_lost_since_last_week():
    now, before = row("active_user_trend", -38.2, 3.0), row("active_user_trend", 2.0, 15.0)
    assert explain(now, before) == "active users down 38% vs previous 30 days: \u221212 points"


def test_wording_of_each_measure():
    cases = [
        (row("active_user_trend", 12.4, 14.0), row("active_user_trend", 0, 11.0),
         "active users up 12% vs previous 30 days: +3 points"),
        (row("license_utilization", 42.0, 8.0), row("license_utilization", 42.0, 8.2),
         "42% of seats active in the last 30 days: no change"),
        (row("key_feature_breadth", 60.0, 7.0), row("key_feature_breadth", 70, 8.0),
         "60% of key features used in the last 30 days: \u22121 point"),
        (row("days_since_activity", 12, 3.0), None, "last product activity 12 days ago: 3 points of the score"),
        (row("days_since_activity", 1, 10.0), None, "last product activity yesterday: 10 points of the score"),
        (row("open_high_tickets", 2, 3.5), row("open_high_tickets", 0, 10.0),
         "2 open high-priority tickets: \u22127 points"),
        (row("open_high_tickets", 0, 10.0), row("open_high_tickets", 1, 6.5),
         "no open high-priority tickets: +4 points"),
        (row("oldest_open_ticket", 0, 5.0), None, "no open tickets: 5 points of the score"),
        (row("oldest_open_ticket", 23, 2.2), None, "oldest open ticket opened 23 days ago: 2 points of the score"),
        (row("sentiment", 35.4, 3.0), None, "sentiment 35 out of 100: 3 points of the score"),
        (row("sponsor_engagement", 95, 3.0), row("sponsor_engagement", 88, 9.0),
         "last touch with the sponsor or champion 95 days ago: \u22126 points"),
        (row("renewal_proximity", 45, -4.4, modifier=True), row("renewal_proximity", 52, -3.0, modifier=True),
         "renewal in 45 days: \u22121 point"),
        (row("renewal_proximity", 45, -4.4, modifier=True), None, "renewal in 45 days: \u22124 points"),
    ]
    for now, before, text in cases:
        assert explain(now, before) == text


def test_missing_measures_say_so_and_that_their_weight_is_shared():
    missing = row("sentiment", None, 0.0, missing=True)
    assert explain(missing, None) == ("no NPS answer, pulse or touch sentiment in the last year: "
                                      "its weight is shared by the other measures")
    assert explain(missing, row("sentiment", 60, 9.0)) == (
        "no NPS answer, pulse or touch sentiment in the last year: \u22129 points")


def test_snapshot_rows_carry_change_and_text_and_raw_values_are_formatted():
    rows = explain_snapshot([row("license_utilization", 42.0, 8.0)], [row("license_utilization", 50.0, 9.5)])
    assert rows[0]["change"] == -1.5 and rows[0]["text"].endswith("\u22122 points")
    assert explain_snapshot([row("license_utilization", 42.0, 8.0)], None)[0]["change"] is None
    assert format_raw(row("active_user_trend", -38.2, 0)) == "\u221238%"
    assert format_raw(row("active_user_trend", 5.0, 0)) == "+5%"
    assert format_raw(row("days_since_activity", 4, 0, unit="days")) == "4 days"
    assert format_raw(row("sentiment", None, 0, missing=True)) == "—"
