"""The numerical propagator against analytic results and an independent scipy integration."""

import datetime as dt
import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from tiangong.orbit.propagate import ForceModel, Impulse, propagate

EPOCH = dt.datetime(2022, 9, 17, tzinfo=dt.timezone.utc)
MU, RE, J2 = 3.986004415e14, 6378136.3, 1.0826261738522227e-3  # EGM2008 constants of peer-bench


def kep_to_cart(a, e, i, raan, argp, nu, mu=MU):
    p = a * (1 - e * e)
    r = p / (1 + e * math.cos(nu))
    r_pf = np.array([r * math.cos(nu), r * math.sin(nu), 0.0])
    v_pf = math.sqrt(mu / p) * np.array([-math.sin(nu), e + math.cos(nu), 0.0])
    cO, sO, ci, si, cw, sw = math.cos(raan), math.sin(raan), math.cos(i), math.sin(i), math.cos(argp), math.sin(argp)
    R = np.array([[cO * cw - sO * sw * ci, -cO * sw - sO * cw * ci, sO * si],
                  [sO * cw + cO * sw * ci, -sO * sw + cO * cw * ci, -cO * si],
                  [sw * si, cw * si, ci]])
    return R @ r_pf, R @ v_pf


def elements(r, v, mu=MU):
    """a, e, i, RAAN, argp (rad, unwrapped later) of (N, 3) states."""
    h = np.cross(r, v)
    rn = np.linalg.norm(r, axis=1)
    evec = np.cross(v, h) / mu - r / rn[:, None]
    node = np.cross(np.array([0.0, 0.0, 1.0]), h)
    raan = np.arctan2(node[:, 1], node[:, 0])
    argp = np.arctan2(np.einsum("ij,ij->i", np.cross(node, evec), h) / np.linalg.norm(h, axis=1),
                      np.einsum("ij,ij->i", node, evec))
    a = 1.0 / (2.0 / rn - np.einsum("ij,ij->i", v, v) / mu)
    return a, np.linalg.norm(evec, axis=1), np.arccos(h[:, 2] / np.linalg.norm(h, axis=1)), raan, argp


J2_ONLY = ForceModel(zonal_degree=2, drag=None, sun=False, moon=False, srp=False, j=(J2,), mu_m3_s2=MU, re_m=RE,
                     pole="gcrs_z", mass_kg=66000.0, area_m2=400.0)


def test_j2_secular_rates_match_the_analytic_formulas():
    a0, e0, i0 = 6771e3, 0.01, math.radians(41.47)
    r0, v0 = kep_to_cart(a0, e0, i0, 0.3, 1.0, 0.0)
    days = 10.0
    tr = propagate(EPOCH, r0, v0, days * 86400.0, J2_ONLY)
    t = np.arange(0.0, days * 86400.0, 30.0)
    s = tr.states(t)
    a, e, inc, raan, argp = elements(s[:, :3], s[:, 3:])
    # the analytic rates use mean elements; osculating a differs from mean a by O(J2): take the
    # orbit-average of osculating a (Kozai's mean a differs from it by < 1e-6 relative here)
    am, em, im = a.mean(), e.mean(), inc.mean()
    n = math.sqrt(MU / am ** 3)
    p = am * (1 - em ** 2)
    raan_dot = -1.5 * n * J2 * (RE / p) ** 2 * math.cos(im)
    argp_dot = 0.75 * n * J2 * (RE / p) ** 2 * (5 * math.cos(im) ** 2 - 1)
    fit_raan = np.polyfit(t, np.unwrap(raan), 1)[0]
    fit_argp = np.polyfit(t, np.unwrap(argp), 1)[0]
    assert fit_raan == pytest.approx(raan_dot, rel=2e-3)
    assert fit_argp == pytest.approx(argp_dot, rel=1e-2)


def _scipy_j2(r0, v0, t_eval):
    def rhs(t, y):
        x, yy, z = y[:3]
        r2 = x * x + yy * yy + z * z
        r = math.sqrt(r2)
        k = 1.5 * J2 * MU * RE * RE / (r2 * r2 * r)
        zr2 = 5.0 * z * z / r2
        return [y[3], y[4], y[5], -MU * x / (r2 * r) + k * x * (zr2 - 1), -MU * yy / (r2 * r) + k * yy * (zr2 - 1),
                -MU * z / (r2 * r) + k * z * (zr2 - 3)]

    sol = solve_ivp(rhs, (0.0, t_eval[-1]), np.concatenate([r0, v0]), method="DOP853", t_eval=t_eval,
                    rtol=1e-12, atol=1e-6)
    return sol.y.T


def test_dense_output_matches_a_tight_scipy_integration_over_one_day():
    r0, v0 = kep_to_cart(6771e3, 0.0005, math.radians(41.47), 0.0, 0.0, 0.0)
    t = np.arange(0.0, 86400.0 + 1.0, 10.0)
    tr = propagate(EPOCH, r0, v0, 86400.0, J2_ONLY)
    ours = tr.states(t)
    ref = _scipy_j2(r0, v0, t)
    assert np.abs(ours[:, :3] - ref[:, :3]).max() < 0.05  # m, on every 10 s sample
    assert np.abs(ours[:, 3:] - ref[:, 3:]).max() < 5e-5  # m/s
    assert np.array_equal(tr.states([86400.0])[0], tr.final_state)  # the last state exactly at the end


def test_energy_is_conserved_without_drag():
    r0, v0 = kep_to_cart(6771e3, 0.001, math.radians(41.47), 0.0, 0.0, 0.0)
    point = ForceModel(zonal_degree=0, drag=None, sun=False, moon=False, srp=False, mu_m3_s2=MU, mass_kg=1.0, area_m2=1.0)
    tr = propagate(EPOCH, r0, v0, 5 * 86400.0, point)
    s = tr.states(np.linspace(0, 5 * 86400.0, 2001))
    energy = 0.5 * np.sum(s[:, 3:] ** 2, axis=1) - MU / np.linalg.norm(s[:, :3], axis=1)
    # DOP853 is not symplectic: at rtol 1e-11 the energy drifts ~2e-10 in 5 days (1.4 mm of a)
    assert np.ptp(energy) / abs(energy[0]) < 1e-9


def test_impulse_raises_the_semi_major_axis_as_the_vis_viva_equation_says():
    r0, v0 = kep_to_cart(6771e3, 0.0, math.radians(41.47), 0.0, 0.0, 0.0)
    point = ForceModel(zonal_degree=0, drag=None, sun=False, moon=False, srp=False, mu_m3_s2=MU, mass_kg=1.0, area_m2=1.0)
    tr = propagate(EPOCH, r0, v0, 3000.0, point, impulses=[Impulse(1000.0, 1.0)])
    before, after = tr.states([999.0, 1001.0])
    a = [1 / (2 / np.linalg.norm(s[:3]) - s[3:] @ s[3:] / MU) for s in (before, after)]
    v = math.sqrt(MU / 6771e3)
    expected = 1 / (2 / 6771e3 - (v + 1.0) ** 2 / MU) - 6771e3
    assert a[1] - a[0] == pytest.approx(expected, rel=1e-6)


def test_reentry_ends_the_trajectory_at_120_km():
    from tiangong.orbit.spaceweather import SpaceWeather

    a = 6378137.0 + 170e3
    v = math.sqrt(MU / a)
    model = ForceModel(sun=False, moon=False, srp=False, mass_kg=20000.0, area_m2=300.0,
                       weather=SpaceWeather(fixed_f107=250.0, fixed_ap=30.0))
    tr = propagate(EPOCH, [a, 0, 0], [0, v * 0.75, v * math.sqrt(1 - 0.75 ** 2)], 10 * 86400.0, model)
    assert tr.reentry_s is not None and tr.reentry_s < 2 * 86400.0
    assert tr.t_end_s == tr.reentry_s
    r_end = np.linalg.norm(tr.states([tr.t_end_s])[0, :3])
    assert 100e3 < r_end - 6378137.0 < 120e3 + 1.0
    with pytest.raises(ValueError):
        tr.states([tr.t_end_s + 60.0])


def test_propagated_scenario_orbit_gives_eclipses_beta_altitude_and_burns():
    from tiangong.orbit.eclipse import beta_angle_deg, eclipse_events
    from tiangong.orbit.scenario import propagated_orbit
    from tiangong.orbit.tle import select_tle

    start = dt.datetime(2024, 5, 17, 20, 0, tzinfo=dt.timezone.utc)
    hist = str(__import__("importlib.resources").resources.files("tiangong").joinpath("data/tle/tiangong_2021_2024.tle"))
    orb = propagated_orbit(start, 6 * 86400.0, hist, band_m=(375.8e3, 378e3), propellant_kg=500.0)
    t, kinds = orb.eclipse_events()
    ts, ks = eclipse_events(select_tle(start, hist).satrec, start, 6 * 86400.0)
    assert len(t) == len(ts) and list(kinds) == list(ks)
    burns = orb.burns()
    before = t < burns[0][0]
    assert before.sum() > 20
    # before the burn: SGP4 with its own drag vs our drag, seconds; after it the raised orbit runs behind
    assert np.abs(t - ts)[before].max() < 5.0
    grid = np.arange(0.0, 6 * 86400.0, 6 * 3600.0)
    assert np.abs(orb.beta_deg(grid) - beta_angle_deg(select_tle(start, hist).satrec, grid, start)).max() < 0.5
    assert len(burns) == 2 and 0 < burns[0][0] < 6 * 86400.0  # one Hohmann pair when the floor is reached
    h = orb.mean_altitude_m(grid)
    assert h.min() > 375.5e3 and h.max() < 378.3e3


def test_low_thrust_arc_raises_a_as_gauss_equation_says():
    from tiangong.orbit.propagate import ThrustArc

    a0 = 6771e3
    r0, v0 = kep_to_cart(a0, 0.0, math.radians(41.47), 0.0, 0.0, 0.0)
    point = ForceModel(zonal_degree=0, drag=None, sun=False, moon=False, srp=False, mu_m3_s2=MU, mass_kg=88000.0,
                       area_m2=1.0)
    arc = ThrustArc(0.0, 86400.0, 0.32, 1600.0)
    from tiangong.orbit.propagate import Propagator

    traj = Propagator(EPOCH, 86400.0, point).run(r0, v0, arcs=[arc])
    s = traj.final_state
    a1 = 1 / (2 / np.linalg.norm(s[:3]) - s[3:] @ s[3:] / MU)
    # Gauss: da/dt = 2 a^2 v F/(m mu) = 2 F / (m n) for a circular orbit (the mass falls by 1.8 kg: 2e-5)
    n = math.sqrt(MU / a0 ** 3)
    assert a1 - a0 == pytest.approx(2 * 0.32 / 88000.0 / n * 86400.0, rel=2e-3)
    assert arc.propellant_kg == pytest.approx(0.32 * 86400 / (1600 * 9.80665))
