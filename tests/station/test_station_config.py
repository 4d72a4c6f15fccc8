"""Station configuration at a date, compared with published figures (sources cited per assertion)."""

from __future__ import annotations

import datetime as dt

import pytest

from tiangong.errors import InputError
from tiangong.station import (
    CONFIGS,
    StationConfig,
    StationState,
    load_config,
    station_at,
)

UTC = dt.timezone.utc

# CGTN 2021-06-17 "Things about China's space station": the three modules "about 66 tonnes";
# "nearly 100 t" with crew and cargo ships docked.
# https://news.cgtn.com/news/2021-06-17/Things-about-China-s-space-station-119TUUUqhEs/share_amp.html
PUBLISHED_MODULES_KG = 66_000.0
PUBLISHED_WITH_VEHICLES_KG = 100_000.0
# NASA ISS Facts and Figures: 924,739 lb = 419,455 kg; 916 m3 pressurised; 388 m3 habitable.
# http://www.nasa.gov/mission_pages/station/main/onthestation/facts_and_figures.html
PUBLISHED_ISS_KG = 419_455.0


@pytest.fixture(scope="module")
def nov30() -> StationState:
    """2022-11-30 00:00 UTC: after Shenzhou-15 crew entered (23:33 UTC 29 Nov), before Shenzhou-14 left."""
    return station_at(dt.datetime(2022, 11, 30, tzinfo=UTC))


def test_module_mass_within_5_percent_of_published_66_t(nov30):
    # CGTN 2021-06-17 (above): ~66 t for Tianhe + Wentian + Mengtian.
    assert nov30.mass_kg == pytest.approx(PUBLISHED_MODULES_KG, rel=0.05)
    assert nov30.mass_kg == pytest.approx(22_500 + 22_000 + 22_000)


def test_mass_with_vehicles_within_5_percent_of_nearly_100_t(nov30):
    # CGTN 2021-06-17 / CAS 2022-10: "nearly 100 t" with Shenzhou and Tianzhou docked.
    assert nov30.mass_with_vehicles_kg == pytest.approx(PUBLISHED_WITH_VEHICLES_KG, rel=0.05)
    assert nov30.mass_with_vehicles_kg > nov30.mass_kg


def test_published_totals_are_carried_in_the_config():
    cfg = load_config("tiangong")
    assert isinstance(cfg, StationConfig)
    assert cfg.published.mass_kg == PUBLISHED_MODULES_KG
    assert cfg.published.mass_with_vehicles_kg == PUBLISHED_WITH_VEHICLES_KG
    assert "cgtn.com" in cfg.published.mass_source


def test_tianhe_length_and_habitable_volume():
    # Tianhe: 16.6 m long (Xinhua via teleSUR 2021-04-29); "about 50 m3 for work and life" (CMSE fact sheet).
    tianhe = load_config().module("Tianhe")
    assert tianhe.length_m == pytest.approx(16.6)
    assert tianhe.habitable_volume_m3 == pytest.approx(50.0, abs=1.0)
    assert tianhe.launch_mass_kg == 22_500
    assert tianhe.launch_time == dt.datetime(2021, 4, 29, 3, 23, 15, tzinfo=UTC)


def test_station_volumes_match_published(nov30):
    # 340 m3 pressurised (Wikipedia); habitable "more than 100 m3 / 110 m3" (CMSA via Xinhua).
    assert nov30.pressurized_volume_m3 == pytest.approx(340.0, rel=0.02)
    assert 100.0 < nov30.habitable_volume_m3 < 130.0


def test_t_configuration_on_2022_11_30(nov30):
    # Wentian relocated starboard 2022-09-30, Mengtian port 2022-11-03 (CMSA; China Youth Daily).
    pos = {m.name: m.position for m in nov30.modules}
    assert pos == {"Tianhe": "core", "Wentian": "starboard", "Mengtian": "port"}
    assert nov30.configuration == "T"


def test_linear_configuration_on_2022_08_01():
    # Wentian docked at Tianhe's forward port 2022-07-24 19:13 UTC; relocated only on 2022-09-30.
    s = station_at("2022-08-01")
    assert {m.name: m.position for m in s.modules} == {"Tianhe": "core", "Wentian": "forward"}
    assert s.configuration == "一"


def test_l_configuration_in_october_2022():
    s = station_at("2022-10-15")
    assert s.configuration == "L"


def test_single_module_before_wentian():
    s = station_at("2021-05-01")
    assert [m.name for m in s.modules] == ["Tianhe"]
    assert s.configuration == "single"
    assert s.vehicles == () and s.crew == ()


def test_six_crew_on_2022_11_30(nov30):
    # Shenzhou-14 (Chen Dong, Liu Yang, Cai Xuzhe) and Shenzhou-15 (Fei Junlong, Deng Qingming, Zhang Lu):
    # first in-orbit handover, Shenzhou-15 crew entered 07:33 BJT 30 Nov (Sputnik/CMSA).
    assert set(nov30.crew) == {
        "Chen Dong",
        "Liu Yang",
        "Cai Xuzhe",
        "Fei Junlong",
        "Deng Qingming",
        "Zhang Lu",
    }


def test_three_crew_on_2022_07_01():
    # Shenzhou-14 crew only (arrived 2022-06-05, Xinhua).
    assert set(station_at("2022-07-01").crew) == {"Chen Dong", "Liu Yang", "Cai Xuzhe"}


def test_vehicles_and_ports_on_2022_11_30(nov30):
    # Shenzhou-15 forward (CMSA), Tianzhou-5 aft (CRI/Space.com), Shenzhou-14 nadir (CMSA).
    ports = {v.name: v.port for v in nov30.vehicles}
    assert ports == {"Shenzhou-15": "forward", "Tianzhou-5": "aft", "Shenzhou-14": "nadir"}
    types = {v.name: v.type for v in nov30.vehicles}
    assert types == {"Shenzhou-15": "shenzhou", "Tianzhou-5": "tianzhou", "Shenzhou-14": "shenzhou"}


def test_relocating_vehicle_is_not_docked_in_flight():
    # Tianzhou-3 left the aft port 21:02 UTC 19 Apr 2022 and docked forward 01:06 UTC 20 Apr.
    during = station_at(dt.datetime(2022, 4, 19, 23, 0, tzinfo=UTC))
    assert "Tianzhou-3" not in {v.name for v in during.vehicles}
    after = station_at(dt.datetime(2022, 4, 20, 2, 0, tzinfo=UTC))
    assert {v.name: v.port for v in after.vehicles}["Tianzhou-3"] == "forward"


def test_arrays_and_power(nov30):
    # Tianhe 110 m2 / 16 kW (derived from CMSA "Wentian ~2x Tianhe"); Wentian, Mengtian 220 m2 / 32 kW each.
    assert nov30.array_area_m2 == pytest.approx(550.0)
    assert nov30.array_power_w == pytest.approx(80_000.0)
    assert 0.95 * nov30.array_power_w < nov30.array_power_degraded_w < nov30.array_power_w


def test_habitable_counts_modules_only(nov30):
    assert nov30.habitable_volume_m3 == pytest.approx(sum(m.habitable_volume_m3 for m in nov30.modules))
    # two Shenzhou (14 m3 each) add habitable volume; a Tianzhou hold adds none
    assert nov30.habitable_volume_with_vehicles_m3 == pytest.approx(nov30.habitable_volume_m3 + 28.0)
    assert nov30.pressurized_volume_with_vehicles_m3 > nov30.pressurized_volume_m3


def test_iss_mass_and_volumes_match_nasa():
    s = station_at("2023-01-01", config="iss")
    assert s.mass_kg == pytest.approx(PUBLISHED_ISS_KG, rel=0.05)
    assert s.pressurized_volume_m3 == pytest.approx(916.0, abs=0.5)
    assert s.habitable_volume_m3 == pytest.approx(388.0, abs=0.5)
    assert s.fixed and s.configuration is None and s.vehicles == () and s.crew == ()
    assert s.array_power_w > 0 and s.array_area_m2 > 2000


def test_iss_config_sums_to_its_published_total():
    cfg = load_config("iss")
    assert sum(m.mass_kg for m in cfg.modules) == pytest.approx(cfg.published.mass_kg)
    assert cfg.published.mass_kg == PUBLISHED_ISS_KG


def test_before_the_station_existed():
    with pytest.raises(InputError) as exc:
        station_at("2021-01-01")
    assert exc.value.where == "--at"
    assert exc.value.why == (
        "2021-01-01 is before the station existed (Tianhe launched 2021-04-29T03:23:15Z)"
    )
    with pytest.raises(InputError):
        station_at(dt.datetime(2021, 4, 29, 3, 23, 14, tzinfo=UTC))
    assert station_at(dt.datetime(2021, 4, 29, 3, 23, 15, tzinfo=UTC)).modules[0].name == "Tianhe"


def test_unknown_config():
    with pytest.raises(InputError) as exc:
        load_config("mir")
    assert exc.value.where == "--config"
    with pytest.raises(InputError) as exc:
        station_at("2022-11-30", config="mir")
    assert exc.value.where == "--config"
    assert set(CONFIGS) == {"tiangong", "iss"}


def test_naive_datetime_refused():
    with pytest.raises(InputError):
        station_at(dt.datetime(2022, 11, 30))


def test_accepts_dates_and_text():
    a = station_at(dt.date(2022, 11, 30))
    b = station_at("2022-11-30T00:00:00Z")
    c = station_at(dt.datetime(2022, 11, 30, 8, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    assert a == b == c


def test_loaders_are_cached():
    assert load_config("tiangong") is load_config("tiangong")
    assert station_at("2022-11-30") is station_at("2022-11-30")


def test_to_json_keys_and_values(nov30):
    d = nov30.to_json()
    for key in (
        "modules",
        "vehicles",
        "mass_kg",
        "mass_with_vehicles_kg",
        "pressurized_volume_m3",
        "habitable_volume_m3",
        "array_area_m2",
        "array_power_w",
        "crew",
        "at",
        "config",
    ):
        assert key in d
    assert d["at"] == "2022-11-30T00:00:00Z"
    assert d["config"] == "tiangong"
    for m in d["modules"]:
        assert {"name", "mass_kg", "length_m", "diameter_m", "pressurized_volume_m3", "habitable_volume_m3"} <= set(m)
    assert all("port" in v for v in d["vehicles"])
    assert len(d["crew"]) == 6


def test_state_after_history_is_last_known():
    s = station_at("2026-01-01")
    assert s.history_until is not None and s.history_until < s.at
    # Shenzhou-21 crew aboard; Shenzhou-20 (damaged window) still at nadir, Shenzhou-22 forward, Tianzhou-9 aft.
    assert set(s.crew) == {"Zhang Lu", "Wu Fei", "Zhang Hongzhang"}
    assert {v.name: v.port for v in s.vehicles} == {
        "Shenzhou-22": "forward",
        "Tianzhou-9": "aft",
        "Shenzhou-20": "nadir",
    }
