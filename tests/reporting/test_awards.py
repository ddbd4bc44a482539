"""The award engine against every boundary of the award rules (docs/awards.md).

Amounts are exact fen.  ``yuan(n)`` is n 元 in fen; ``+ 1`` is one fen more.
"""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest

from gannan.reporting.awards import (
    AwardInputs,
    AwardKind,
    AwardLine,
    AwardReport,
    AwardSettings,
    EnterpriseYear,
    GrowthThreshold,
    LivestreamBase,
    LivestreamUpgrade,
    PlatformYear,
    Rounding,
    SalesParts,
    compute_awards,
    yuan,
)

DEFAULTS = AwardSettings()
M = 1_000_000  # a million 元


@pytest.fixture(autouse=True)
def _app_context():
    """The engine is pure: these tests need no app and no database (this overrides the
    suite-wide fixture of the same name)."""
    yield


# --- builders -------------------------------------------------------------------------


def uscc(n: int) -> str:
    return f"91360700MA{n:08d}"


def seller(seller_id: int = 1, online: int = 0, *, external: int = 0, agricultural: int = 0,
           upstream: int = 0, history: dict[int, int] | None = None,
           owner: int | None = None) -> EnterpriseYear:
    """A seller whose sales are all agricultural upstream unless told otherwise; history
    as {year: certified fen on the platform}."""
    return EnterpriseYear(
        seller_id=seller_id, uscc=uscc(owner or seller_id), name=f"企业{seller_id}",
        platform_online_fen=online, external_online_fen=external,
        platform_agricultural_fen=agricultural, platform_upstream_fen=upstream,
        online_history={year: SalesParts(fen) for year, fen in (history or {}).items()})


def platform(online: int, specialty: int, owner: int = 900) -> PlatformYear:
    return PlatformYear(uscc=uscc(owner), name="赣南特色产品网销平台",
                        online_retail_fen=online, specialty_fen=specialty)


def base(base_id: int = 1, sales: int = 0, *, tier: int = 1, owner: int | None = None,
         history: dict[int, int] | None = None, received: frozenset[int] = frozenset(),
         **facilities) -> LivestreamBase:
    """A base whose facilities exactly meet ``tier``'s minima unless overridden."""
    t = DEFAULTS.livestream_tiers[tier - 1]
    values = {"area_m2": t.min_area_m2, "rooms": t.min_rooms,
              "resident_enterprises": t.min_resident_enterprises, "hosts": t.min_hosts}
    return LivestreamBase(id=base_id, uscc=uscc(owner or 500 + base_id),
                          name=f"直播基地{base_id}", livestream_sales_fen=sales,
                          livestream_history=history or {}, received_tiers=received,
                          **{**values, **facilities})


def run(*, year: int = 2025, settings: AwardSettings = DEFAULTS, **inputs) -> AwardReport:
    return compute_awards(AwardInputs(year=year, **inputs), settings)


def line(report: AwardReport, ref: str, kind: AwardKind) -> AwardLine:
    (found,) = [x for x in report.lines if x.ref == ref and x.kind is kind]
    return found


def growth(report: AwardReport, seller_id: int = 1) -> AwardLine:
    return line(report, f"seller:{seller_id}", AwardKind.GROWTH)


def agricultural(report: AwardReport, seller_id: int = 1) -> AwardLine:
    return line(report, f"seller:{seller_id}", AwardKind.AGRICULTURAL)


def amounts(x: AwardLine) -> tuple[int, int, int, int]:
    return x.computed_fen, x.after_preference_fen, x.capped_fen, x.allocated_fen


def paid(report: AwardReport, ref: str, kind: AwardKind) -> int:
    return line(report, ref, kind).allocated_fen


# --- (1) platform ---------------------------------------------------------------------


def test_platform_with_exactly_5m_online_sales_qualifies():
    report = run(platform=platform(yuan(5 * M), yuan(10 * M)))
    x = line(report, "platform", AwardKind.PLATFORM)
    assert amounts(x) == (yuan(100_000),) * 4
    assert x.rule == ("(1) online retail sales 5,000,000 元 ≥ 5,000,000 元: 1% of Ganzhou "
                      "specialty sales 10,000,000 元 = 100,000 元")


def test_platform_one_fen_below_5m_gets_nothing():
    x = line(run(platform=platform(yuan(5 * M) - 1, yuan(5 * M) - 1)), "platform",
             AwardKind.PLATFORM)
    assert x.computed_fen == 0
    assert x.rule == "(1) online retail sales 4,999,999.99 元 < 5,000,000 元: no award"


def test_platform_award_exactly_at_the_cap_and_above_it():
    at_cap = run(platform=platform(yuan(40 * M), yuan(30 * M)))
    above = run(platform=platform(yuan(40 * M), yuan(30 * M) + 100))
    assert paid(at_cap, "platform", AwardKind.PLATFORM) == yuan(300_000)
    assert "capped" not in line(at_cap, "platform", AwardKind.PLATFORM).rule
    assert paid(above, "platform", AwardKind.PLATFORM) == yuan(300_000)
    assert line(above, "platform", AwardKind.PLATFORM).rule.endswith(
        "= 300,000.01 元, capped at 300,000 元")


def test_percentages_round_down_to_the_fen():
    report = run(platform=platform(yuan(20 * M), 1_234_567_899))
    assert paid(report, "platform", AwardKind.PLATFORM) == 12_345_678  # of 12,345,678.99


def test_rounding_down_on_the_large_example_with_a_raised_cap():
    settings = replace(DEFAULTS, platform_cap_fen=yuan(10 * M),
                       enterprise_yearly_cap_fen=yuan(10 * M))
    report = run(platform=platform(yuan(200 * M), 12_345_678_901), settings=settings)
    assert paid(report, "platform", AwardKind.PLATFORM) == 123_456_789  # of 123,456,789.01


def test_half_up_rounding_when_the_bureau_chooses_it():
    settings = replace(DEFAULTS, rounding=Rounding.HALF_UP)
    report = run(platform=platform(yuan(20 * M), 1_234_567_899), settings=settings)
    assert paid(report, "platform", AwardKind.PLATFORM) == 12_345_679


# --- (2) live-streaming bases ---------------------------------------------------------


def test_tier_1_at_exact_facility_minima_with_sales_one_fen_over():
    x = line(run(bases=[base(sales=yuan(20 * M) + 1)]), "base:1", AwardKind.LIVESTREAM_BASE)
    assert amounts(x) == (yuan(100_000),) * 4
    assert x.thresholds_crossed_fen == (yuan(20 * M),)


def test_tier_1_sales_of_exactly_20m_do_not_exceed():
    x = line(run(bases=[base(sales=yuan(20 * M))]), "base:1", AwardKind.LIVESTREAM_BASE)
    assert x.computed_fen == 0
    assert "live-stream sales 20,000,000 元 do not exceed 20,000,000 元" in x.rule


@pytest.mark.parametrize("short", [{"area_m2": Decimal("499.99")}, {"rooms": 9},
                                   {"resident_enterprises": 19}, {"hosts": 19}])
def test_tier_1_one_below_any_facility_minimum_gets_nothing(short):
    report = run(bases=[base(sales=yuan(30 * M), **short)])
    assert paid(report, "base:1", AwardKind.LIVESTREAM_BASE) == 0


def test_tier_2_at_exact_minima_pays_200k_and_tier_1_facilities_fall_back():
    tier_2 = run(bases=[base(sales=yuan(50 * M) + 1, tier=2)])
    assert paid(tier_2, "base:1", AwardKind.LIVESTREAM_BASE) == yuan(200_000)
    at_50m = run(bases=[base(sales=yuan(50 * M), tier=2)])
    assert paid(at_50m, "base:1", AwardKind.LIVESTREAM_BASE) == yuan(100_000)
    small = run(bases=[base(sales=yuan(60 * M), tier=2, area_m2=999)])
    assert paid(small, "base:1", AwardKind.LIVESTREAM_BASE) == yuan(100_000)


def test_upgrade_to_tier_2_pays_the_difference_by_default():
    report = run(bases=[base(sales=yuan(60 * M), tier=2, history={2024: yuan(25 * M)},
                             received=frozenset({1}))])
    x = line(report, "base:1", AwardKind.LIVESTREAM_BASE)
    assert x.allocated_fen == yuan(100_000)
    assert x.rule == ("(2) tier 2 met in 2025: tier 2 pays 200,000 元 less 100,000 元 already "
                      "received: 100,000 元 (tiers are levels of one award)")


def test_upgrade_under_the_each_tier_reading_pays_the_full_tier():
    settings = replace(DEFAULTS, livestream_upgrade=LivestreamUpgrade.EACH_TIER)
    upgraded = run(bases=[base(sales=yuan(60 * M), tier=2, history={2024: yuan(25 * M)},
                               received=frozenset({1}))], settings=settings)
    assert paid(upgraded, "base:1", AwardKind.LIVESTREAM_BASE) == yuan(200_000)
    both_at_once = line(run(bases=[base(sales=yuan(60 * M), tier=2)], settings=settings),
                        "base:1", AwardKind.LIVESTREAM_BASE)
    assert both_at_once.allocated_fen == yuan(300_000)
    assert both_at_once.rule == ("(2) tier 1 and 2 met in 2025: 100,000 + 200,000 = 300,000 元 "
                                 "(each tier is its own one-time award)")


def test_upgrade_under_the_once_reading_pays_nothing_more():
    settings = replace(DEFAULTS, livestream_upgrade=LivestreamUpgrade.ONCE)
    report = run(bases=[base(sales=yuan(60 * M), tier=2, history={2024: yuan(25 * M)},
                             received=frozenset({1}))], settings=settings)
    assert paid(report, "base:1", AwardKind.LIVESTREAM_BASE) == 0


def test_both_tiers_met_at_once_pay_the_higher_under_the_default_reading():
    report = run(bases=[base(sales=yuan(60 * M), tier=2)])
    assert paid(report, "base:1", AwardKind.LIVESTREAM_BASE) == yuan(200_000)


def test_base_sales_already_over_20m_in_an_earlier_year_are_not_a_first():
    report = run(bases=[base(sales=yuan(30 * M), history={2024: yuan(21 * M)})])
    x = line(report, "base:1", AwardKind.LIVESTREAM_BASE)
    assert x.computed_fen == 0
    assert "20,000,000 元 already exceeded in an earlier year" in x.rule


# --- (3) growth -----------------------------------------------------------------------


def test_growth_at_exactly_100m_does_not_exceed():
    x = growth(run(enterprises=[seller(online=yuan(100 * M))]))
    assert x.computed_fen == 0
    assert x.rule == "(3) certified online sales 100,000,000 元 first exceed no threshold in 2025"


def test_growth_one_fen_over_100m_earns_200k():
    x = growth(run(enterprises=[seller(online=yuan(100 * M) + 1)]))
    assert amounts(x) == (yuan(200_000),) * 4
    assert x.thresholds_crossed_fen == (yuan(100 * M),)


def test_thresholds_first_crossed_together_add_up():
    x = growth(run(enterprises=[seller(online=yuan(250 * M), history={2024: yuan(100 * M)})]))
    assert x.allocated_fen == yuan(500_000)
    assert x.thresholds_crossed_fen == (yuan(100 * M), yuan(200 * M))
    assert x.rule == ("(3) certified online sales 250,000,000 元 first exceeded 100,000,000 元 "
                      "and 200,000,000 元 in 2025: 200,000 + 300,000 = 500,000 元")


def test_all_four_thresholds_at_once_are_capped_at_500k():
    x = growth(run(enterprises=[seller(online=yuan(450 * M))]))
    assert x.computed_fen == yuan(500_000)
    assert x.rule.endswith("200,000 + 300,000 + 400,000 + 500,000 = 1,400,000 元, "
                           "capped at 500,000 元")


def test_a_threshold_crossed_in_an_earlier_year_earns_nothing_again():
    x = growth(run(enterprises=[seller(online=yuan(180 * M), history={2024: yuan(150 * M)})]))
    assert x.computed_fen == 0
    assert x.rule.endswith("(highest earlier year: 150,000,000 元)")


def test_only_the_newly_crossed_threshold_earns():
    x = growth(run(enterprises=[seller(online=yuan(250 * M), history={2024: yuan(150 * M)})]))
    assert x.allocated_fen == yuan(300_000)


def test_the_base_year_itself_earns_and_years_before_it_do_not_count():
    report = run(year=2024, enterprises=[seller(online=yuan(150 * M),
                                                history={2023: yuan(150 * M)})])
    assert growth(report).allocated_fen == yuan(200_000)


def test_when_the_base_year_does_not_earn_it_still_counts_as_history():
    settings = replace(DEFAULTS, base_year_earns=False)
    in_2024 = run(year=2024, settings=settings, enterprises=[seller(online=yuan(150 * M))])
    assert growth(in_2024).computed_fen == 0
    in_2025 = run(settings=settings, enterprises=[seller(online=yuan(160 * M),
                                                         history={2024: yuan(150 * M)})])
    assert growth(in_2025).computed_fen == 0


def test_external_and_platform_parts_add_up_and_both_are_shown():
    x = growth(run(enterprises=[seller(online=yuan(60 * M), external=yuan(40 * M) + 1)]))
    assert x.allocated_fen == yuan(200_000)
    assert x.figures["platform_online_fen"] == yuan(60 * M)
    assert x.figures["external_online_fen"] == yuan(40 * M) + 1
    assert x.figures["certified_online_fen"] == yuan(100 * M) + 1


def test_external_sales_are_left_out_when_the_bureau_says_so():
    settings = replace(DEFAULTS, count_external_sales=False)
    report = run(settings=settings,
                 enterprises=[seller(online=yuan(60 * M), external=yuan(50 * M))])
    assert growth(report).computed_fen == 0
    assert growth(report).figures["external_online_fen"] == yuan(50 * M)


# --- (5) agricultural -----------------------------------------------------------------


def test_agricultural_sales_of_exactly_10m_do_not_exceed():
    x = agricultural(run(enterprises=[seller(online=yuan(10 * M), agricultural=yuan(10 * M),
                                             upstream=yuan(10 * M))]))
    assert x.computed_fen == 0
    assert x.rule == ("(5) certified agricultural online sales 10,000,000 元 do not exceed "
                      "10,000,000 元: no award")


def test_agricultural_sales_one_fen_over_10m_earn_1pct_of_upstream():
    x = agricultural(run(enterprises=[seller(online=yuan(12 * M), agricultural=yuan(10 * M) + 1,
                                             upstream=yuan(8 * M))]))
    assert amounts(x) == (yuan(80_000),) * 4
    assert x.rule == ("(5) certified agricultural online sales 10,000,000.01 元 > 10,000,000 元: "
                      "1% of agricultural upstream sales 8,000,000 元 = 80,000 元")


def test_agricultural_external_parts_add_up():
    e = replace(seller(online=yuan(12 * M), agricultural=yuan(6 * M), upstream=yuan(6 * M)),
                external_agricultural_fen=yuan(4 * M) + 1, external_upstream_fen=yuan(4 * M))
    x = agricultural(run(enterprises=[e]))
    assert x.allocated_fen == yuan(100_000)
    assert x.figures["certified_upstream_fen"] == yuan(10 * M)


def test_a_lower_agricultural_rate_set_by_the_bureau():
    settings = replace(DEFAULTS, agricultural_rate=Fraction(1, 200))
    x = agricultural(run(settings=settings, enterprises=[
        seller(online=yuan(15 * M), agricultural=yuan(15 * M), upstream=yuan(15 * M) + 99)]))
    assert x.allocated_fen == yuan(75_000)  # 0.5% of 15,000,000.99 元 = 75,000.00495 元
    assert "0.5% of agricultural upstream sales" in x.rule


def test_the_agricultural_rate_cannot_exceed_1pct():
    with pytest.raises(ValueError):
        replace(DEFAULTS, agricultural_rate=Fraction(101, 10_000))


def test_agricultural_award_exactly_at_the_cap_and_above_it():
    at_cap = run(enterprises=[seller(online=yuan(20 * M), agricultural=yuan(20 * M),
                                     upstream=yuan(20 * M))])
    above = run(enterprises=[seller(online=yuan(25 * M), agricultural=yuan(25 * M),
                                    upstream=yuan(25 * M))])
    assert agricultural(at_cap).allocated_fen == yuan(200_000)
    assert agricultural(above).allocated_fen == yuan(200_000)
    assert agricultural(above).rule.endswith("= 250,000 元, capped at 200,000 元")


# --- 就高不就低 ---------------------------------------------------------------------------


def test_growth_beats_a_lower_agricultural_award():
    report = run(enterprises=[seller(online=yuan(100 * M) + 1, agricultural=yuan(15 * M),
                                     upstream=yuan(15 * M))])
    assert amounts(growth(report)) == (yuan(200_000),) * 4
    assert amounts(agricultural(report)) == (yuan(150_000), 0, 0, 0)
    assert agricultural(report).notes == ("就高不就低: (3) 200,000 元 and (5) 150,000 元 are due; "
                                          "only the higher, growth, is paid",)


def test_a_tie_keeps_growth():
    report = run(enterprises=[seller(online=yuan(100 * M) + 1, agricultural=yuan(20 * M),
                                     upstream=yuan(20 * M))])
    assert (growth(report).allocated_fen, agricultural(report).allocated_fen) == (
        yuan(200_000), 0)


def test_agricultural_beats_a_lower_growth_award():
    settings = replace(DEFAULTS, growth_thresholds=(GrowthThreshold(yuan(100 * M),
                                                                    yuan(100_000)),))
    report = run(settings=settings, enterprises=[
        seller(online=yuan(100 * M) + 1, agricultural=yuan(20 * M), upstream=yuan(20 * M))])
    assert amounts(growth(report)) == (yuan(100_000), 0, 0, 0)
    assert amounts(agricultural(report)) == (yuan(200_000),) * 4


def test_agricultural_alone_is_paid_when_no_growth_threshold_is_new():
    report = run(enterprises=[seller(online=yuan(120 * M), agricultural=yuan(15 * M),
                                     upstream=yuan(15 * M), history={2024: yuan(110 * M)})])
    assert agricultural(report).allocated_fen == yuan(150_000)


# --- per-enterprise cap ---------------------------------------------------------------
# Under the default readings one enterprise's lines reach 1,000,000 元 at most when it
# runs the platform (300k), one base (200k) and sells (500k); a second base, or the
# each-tier reading, takes it over.


def test_platform_one_base_and_growth_reach_exactly_the_cap():
    report = run(platform=platform(yuan(50 * M), yuan(40 * M), owner=7),
                 bases=[base(sales=yuan(60 * M), tier=2, owner=7)],
                 enterprises=[seller(7, online=yuan(450 * M))])
    assert report.allocated_total_fen == yuan(1_000_000)
    assert all(not x.notes for x in report.lines if x.computed_fen)


def test_an_enterprise_running_the_platform_two_bases_and_selling_is_capped_at_1m():
    report = run(platform=platform(yuan(50 * M), yuan(40 * M), owner=7),
                 bases=[base(1, yuan(60 * M), tier=2, owner=7),
                        base(2, yuan(55 * M), tier=2, owner=7)],
                 enterprises=[seller(7, online=yuan(450 * M))])
    assert [x.capped_fen for x in report.lines if x.computed_fen] == [
        yuan(300_000), yuan(200_000), yuan(200_000), yuan(300_000)]
    assert growth(report, 7).notes == (
        "per-enterprise cap 1,000,000 元 a year: 300,000 元 of 500,000 元 kept",)
    assert report.served_order == (uscc(7),)
    assert report.allocated_total_fen == yuan(1_000_000)


def test_the_each_tier_reading_can_take_one_base_over_the_cap():
    settings = replace(DEFAULTS, livestream_upgrade=LivestreamUpgrade.EACH_TIER)
    report = run(settings=settings, platform=platform(yuan(50 * M), yuan(40 * M), owner=7),
                 bases=[base(sales=yuan(60 * M), tier=2, owner=7)],
                 enterprises=[seller(7, online=yuan(450 * M))])
    assert amounts(growth(report, 7)) == (yuan(500_000), yuan(500_000), yuan(400_000),
                                          yuan(400_000))


# --- the budget -----------------------------------------------------------------------


def four_growth_applicants() -> list[EnterpriseYear]:
    """Awards 500k, 300k, 500k, 500k in the order of their sales (450M, 280M, 250M, 240M)."""
    return [seller(4, online=yuan(240 * M)), seller(3, online=yuan(250 * M)),
            seller(2, online=yuan(280 * M), history={2024: yuan(150 * M)}),
            seller(1, online=yuan(450 * M))]


def test_budget_serves_from_the_highest_sales_down_and_the_last_gets_what_is_left():
    settings = replace(DEFAULTS, budget_fen=yuan(1_000_000))
    report = run(settings=settings, enterprises=four_growth_applicants())
    assert report.served_order == (uscc(1), uscc(2), uscc(3), uscc(4))
    assert [growth(report, n).allocated_fen for n in (1, 2, 3, 4)] == [
        yuan(500_000), yuan(300_000), yuan(200_000), 0]
    assert growth(report, 3).notes == (
        "budget 1,000,000 元: applicant served 3 of 4; 200,000 元 was left for this award",)
    assert growth(report, 4).notes == (
        "budget 1,000,000 元: applicant served 4 of 4; 0 元 was left for this award",)
    assert (report.eligible_total_fen, report.allocated_total_fen, report.budget_left_fen) == (
        yuan(1_800_000), yuan(1_000_000), 0)


def test_budget_when_the_bureau_pays_only_in_full():
    settings = replace(DEFAULTS, budget_fen=yuan(1_000_000),
                       budget_last_served_gets_remainder=False)
    report = run(settings=settings, enterprises=four_growth_applicants())
    assert [growth(report, n).allocated_fen for n in (1, 2, 3, 4)] == [
        yuan(500_000), yuan(300_000), 0, 0]
    assert report.budget_left_fen == yuan(200_000)
    assert growth(report, 4).notes == ("budget 1,000,000 元: applicant served 4 of 4; serving "
                                       "stopped at the first applicant it could not pay in full",)


def test_the_10m_city_budget_runs_out():
    nineteen = [seller(n, online=yuan(450 * M) + n) for n in range(10, 29)]  # 500k each
    report = run(enterprises=nineteen + four_growth_applicants())
    assert report.eligible_total_fen == yuan(11_300_000)
    assert report.allocated_total_fen == yuan(10 * M)
    assert report.budget_left_fen == 0
    assert report.served_order[:2] == (uscc(28), uscc(27))
    # 19 × 500k, seller 1's 500k, then seller 2 is the last served: 0 left.
    assert growth(report, 1).allocated_fen == yuan(500_000)
    assert [growth(report, n).allocated_fen for n in (2, 3, 4)] == [0, 0, 0]


def test_equal_sales_are_served_in_uscc_order():
    settings = replace(DEFAULTS, budget_fen=yuan(300_000))
    report = run(settings=settings, enterprises=[seller(2, online=yuan(150 * M)),
                                                 seller(1, online=yuan(150 * M))])
    assert report.served_order == (uscc(1), uscc(2))
    assert (growth(report, 1).allocated_fen, growth(report, 2).allocated_fen) == (
        yuan(200_000), yuan(100_000))


def test_an_applicant_with_several_lines_ranks_by_its_highest_sales():
    settings = replace(DEFAULTS, budget_fen=yuan(300_000))
    report = run(settings=settings, platform=platform(yuan(500 * M), yuan(10 * M), owner=1),
                 enterprises=[seller(2, online=yuan(450 * M))])
    assert report.served_order == (uscc(1), uscc(2))
    assert paid(report, "platform", AwardKind.PLATFORM) == yuan(100_000)
    assert growth(report, 2).allocated_fen == yuan(200_000)


# --- settings, validation, output -----------------------------------------------------


def test_settings_round_trip_through_json():
    settings = replace(DEFAULTS, agricultural_rate=Fraction(1, 300),
                       livestream_upgrade=LivestreamUpgrade.EACH_TIER)
    stored = json.loads(json.dumps(settings.to_dict()))
    assert stored["agricultural_rate"] == "1/300"
    assert stored["platform_cap_fen"] == 30_000_000
    assert stored["livestream_tiers"][0]["sales_exceed_fen"] == 2_000_000_000
    assert AwardSettings.from_dict(stored) == settings


def test_settings_from_dict_takes_defaults_and_exact_decimals_only():
    assert AwardSettings.from_dict({"agricultural_rate": "0.005"}) == replace(
        DEFAULTS, agricultural_rate=Fraction(1, 200))
    with pytest.raises(TypeError):
        AwardSettings.from_dict({"agricultural_rate": 0.005})
    with pytest.raises(TypeError):
        AwardSettings.from_dict({"budget_fen": 1e9})
    with pytest.raises(ValueError):
        AwardSettings.from_dict({"platform_rate": "1/0"})
    with pytest.raises(ValueError):
        AwardSettings.from_dict({"livestream_tiers": [{**DEFAULTS.to_dict()["livestream_tiers"][0],
                                                       "min_rooms": 9.5}]})
    with pytest.raises(ValueError):
        AwardSettings.from_dict({"budget": 1})
    with pytest.raises(ValueError):
        AwardSettings.from_dict({"budget_fen": -1})


@pytest.mark.parametrize("inputs", [
    AwardInputs(year=2023), AwardInputs(year=2027),
    AwardInputs(year=2025, enterprises=[seller(1), seller(1)]),
    AwardInputs(year=2025, enterprises=[seller(history={2025: 1})]),
    AwardInputs(year=2025, bases=[base(received=frozenset({3}))]),
    AwardInputs(year=2025, enterprises=[replace(seller(), uscc="")]),
])
def test_inputs_the_engine_refuses(inputs):
    with pytest.raises(ValueError):
        compute_awards(inputs, DEFAULTS)


def test_report_is_deterministic_and_json_ready():
    enterprises = four_growth_applicants()
    bases = [base(2, yuan(25 * M)), base(1, yuan(30 * M))]
    report = run(enterprises=enterprises, bases=bases, platform=platform(yuan(6 * M), yuan(M)))
    again = run(enterprises=enterprises[::-1], bases=bases[::-1],
                platform=platform(yuan(6 * M), yuan(M)))
    assert report == again
    assert [x.ref for x in report.lines][:3] == ["platform", "base:1", "base:2"]
    data = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    assert data["lines"][0]["kind"] == "platform"
    assert data["lines"][0]["allocated_fen"] == yuan(10_000)
    assert data["budget_left_fen"] == data["budget_fen"] - data["allocated_total_fen"]
    assert data["settings"]["livestream_upgrade"] == "difference"
    assert [x.ref for x in report.awarded_lines] == [
        "platform", "base:1", "base:2", "seller:1", "seller:2", "seller:3", "seller:4"]


# --- applicants of the register (one USCC), figures not reported -----------------------------


def test_an_applicant_that_is_no_seller_is_ordered_after_the_sellers():
    applicant = replace(seller(0, 0, external=yuan(120 * M)), seller_id=None, applicant_id=7)
    report = run(enterprises=[applicant, seller(3, yuan(1 * M))])
    assert [x.ref for x in report.lines] == ["seller:3", "seller:3", "applicant:7",
                                             "applicant:7"]
    assert growth(report, 3).computed_fen == 0
    assert line(report, "applicant:7", AwardKind.GROWTH).computed_fen == yuan(200_000)


def test_an_external_figure_not_reported_earns_nothing_and_says_so():
    e = replace(seller(online=yuan(60 * M), agricultural=yuan(20 * M), upstream=yuan(5 * M)),
                external_online_fen=None, external_agricultural_fen=yuan(1),
                external_upstream_fen=None)
    report = run(enterprises=[e])
    assert growth(report).computed_fen == 0
    assert "external online sales not reported for 2025" in growth(report).rule
    assert growth(report).figures["certified_online_fen"] is None
    assert growth(report).ranking_sales_fen == yuan(60 * M)
    x = agricultural(report)
    assert x.computed_fen == 0 and x.figures["certified_upstream_fen"] is None
    assert x.rule.startswith("(5) certified agricultural online sales 20,000,001 元 > "
                             "10,000,000 元, but agricultural upstream sales (农产品上行) not "
                             "reported for 企业1")


def test_a_figure_not_reported_does_not_matter_when_external_sales_do_not_count():
    settings = replace(DEFAULTS, count_external_sales=False)
    e = replace(seller(online=yuan(101 * M)), external_online_fen=None)
    assert growth(run(settings=settings, enterprises=[e])).computed_fen == yuan(200_000)


def test_another_platform_earns_award_1_on_its_certified_figures():
    other = replace(platform(yuan(6 * M), yuan(4 * M), owner=901), ref="applicant:3")
    unreported = replace(platform(yuan(6 * M), None, owner=902), ref="applicant:4")
    report = run(platform=platform(yuan(1 * M), yuan(1 * M)),
                 other_platforms=[unreported, other])
    assert [x.ref for x in report.lines] == ["platform", "applicant:3", "applicant:4"]
    assert paid(report, "applicant:3", AwardKind.PLATFORM) == yuan(40_000)
    assert paid(report, "applicant:4", AwardKind.PLATFORM) == 0
    assert "Ganzhou specialty sales not reported" in line(report, "applicant:4",
                                                          AwardKind.PLATFORM).rule
    with pytest.raises(ValueError, match="platform appears twice"):
        run(other_platforms=[other, other])


def test_a_bases_external_live_sales_add_to_its_own_rooms():
    report = run(bases=[replace(base(1, yuan(15 * M)),
                                external_livestream_sales_fen=yuan(5 * M) + 1)])
    x = line(report, "base:1", AwardKind.LIVESTREAM_BASE)
    assert x.figures["platform_livestream_sales_fen"] == yuan(15 * M)
    assert x.figures["external_livestream_sales_fen"] == yuan(5 * M) + 1
    assert x.figures["livestream_sales_fen"] == yuan(20 * M) + 1
    assert x.computed_fen == yuan(100_000)
    unreported = run(bases=[replace(base(1, yuan(25 * M)), external_livestream_sales_fen=None)])
    x = line(unreported, "base:1", AwardKind.LIVESTREAM_BASE)
    assert x.computed_fen == 0 and "not reported for 2025" in x.rule
