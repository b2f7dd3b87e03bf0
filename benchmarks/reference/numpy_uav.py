"""System C's Algorithms 3 and 6 (BCD for the overall and the minimum efficiency) in NumPy + SciPy
(HiGHS), one scenario at a time, written the way a researcher would without satjax: the same
deterministic-equivalent rates (bisection on (17)), Algorithm 1 (dual of the time-sharing
relaxation), Algorithm 2 (dual water-filling P-step, W-step, safeguard), the hovering-time LP (21)
by ``scipy.optimize.linprog``; Algorithm 4 (greedy max-min subchannels in Python loops), Algorithm 5
(max-min P-step with exponentiated user weights) and the closed form of (49).

Used as the speed baseline of the ``uav`` benchmark suite and checked equal to
``satjax.uav.algorithm3`` and ``algorithm6`` (solve mode) in float64
(tests/uav/test_benchmark_reference.py). Arrays are taken from a ``satjax.uav.UavScenario`` once
(``scenario_arrays``); everything after is NumPy.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import linprog

_LOG2E = 1.0 / math.log(2.0)
_MARGIN = 1e-9
BISECTION_STEPS = 64


def scenario_arrays(scenario) -> dict:
    """The fields Algorithm 3 needs, as float64 NumPy arrays / Python numbers."""
    f = lambda a: np.asarray(a, np.float64)  # noqa: E731
    return {"lam": f(scenario.lam), "phi": f(scenario.phi), "y": f(scenario.y), "noise": float(scenario.noise_w),
            "num_rx": int(scenario.num_rx_antennas), "i_th": float(scenario.interference_threshold_w),
            "energy": f(scenario.energy_per_uav_j), "p_max": float(scenario.p_max_w),
            "budget": float(scenario.hover_budget_s), "tau_max": float(scenario.tau_max_s),
            "mask": np.asarray(scenario.user_mask, bool)}


def slack(a, num_rx):
    """Root w* in (0, 1] of (17) for ``a [..., L]`` by ``BISECTION_STEPS`` bisection steps."""
    lo, hi = np.zeros(a.shape[:-1]), np.ones(a.shape[:-1])
    for _ in range(BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        below = mid + np.sum(a * mid[..., None] / (1 + num_rx * a * mid[..., None]), axis=-1) < 1
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return 0.5 * (lo + hi)


def snr(sc, p):
    """a [G, K, N, L] = lam p / sigma^2, UAV axis last."""
    return np.moveaxis(sc["lam"] * p[:, None] / sc["noise"], 2, 3)


def rates(sc, p):
    """Deterministic-equivalent rate (16) of every candidate (g, k, n) [G, K, N]."""
    a, n_r = snr(sc, p), sc["num_rx"]
    w = slack(a, n_r)
    return np.sum(np.log1p(n_r * w[..., None] * a), axis=-1) * _LOG2E + n_r * ((w - 1) * _LOG2E - np.log2(w))


def overall(sc, x, p, tau):
    return float(np.sum(tau[:, None, None] * x * rates(sc, p)))


def minimum(sc, x, p, tau):
    u = tau[:, None] * np.sum(x * rates(sc, p), axis=-1)
    return float(np.min(np.where(sc["mask"], u, np.inf)))


def usage(sc, x, p, tau):
    """Relative usages: interference [G, M], energy [L], power [G, L]."""
    occ = x.sum(axis=1)                                                                   # [G, N]
    leak = np.sum(occ[:, None] * sc["y"] * np.sum(sc["phi"] * p[:, None], axis=2), axis=-1)
    power = np.sum(occ[:, None] * p, axis=-1)
    return leak / sc["i_th"], (tau @ power) / sc["energy"], power / sc["p_max"]


def feasible(sc, x, p, tau, rtol=1e-9):
    return all(np.max(u) <= 1 + rtol for u in usage(sc, x, p, tau))


def feasibility_scale(sc, x, p, tau):
    return (1 - _MARGIN) / max(1.0, max(np.max(u) for u in usage(sc, x, p, tau)))


def one_hot_argmax(score):
    """x [G, K, N]: 1 for the user with the largest ``score [G, K, N]`` on each subchannel."""
    best = np.argmax(score, axis=1)                                                       # [G, N]
    return (best[:, None, :] == np.arange(score.shape[1])[None, :, None]).astype(np.float64)


def initial_point(sc):
    g, _, l, n = sc["lam"].shape
    tau = np.full(g, min(sc["budget"] / g, sc["tau_max"]))
    p = np.full((g, l, n), sc["p_max"] / n)
    x = one_hot_argmax(np.where(sc["mask"][:, :, None], rates(sc, p), -np.inf))
    return x, p * feasibility_scale(sc, x, p, tau), tau


def dual_step(mult, use, d):
    return np.maximum(mult + d * np.clip(use - 1.0, -1.0, 1.0), 0.0)


def algorithm1(sc, x_prev, p, tau, num_iters=200, step=0.5):
    """Algorithm 1: subchannels by the dual of the time-sharing relaxation (best feasible iterate)."""
    g, k, l, n = sc["lam"].shape
    m = sc["phi"].shape[1]
    gain = np.where(sc["mask"][:, :, None], tau[:, None, None] * rates(sc, p), -np.inf)
    scale = max(np.max(np.where(sc["mask"][:, :, None], gain, 0)), 1e-30)
    leak_sub = sc["y"] * np.sum(sc["phi"] * p[:, None], axis=2) / sc["i_th"]              # [G, M, N]
    energy_sub = tau[:, None, None] * p / sc["energy"][None, :, None]
    power_sub = p / sc["p_max"]
    best_k = one_hot_argmax(gain)
    alpha, beta, nu = np.zeros((g, m)), np.zeros(l), np.zeros((g, l))
    best_x, best_obj = x_prev, np.sum(np.where(x_prev > 0, gain, 0))
    for i in range(num_iters):
        cost = (np.sum(alpha[:, :, None] * leak_sub, axis=1) + np.sum(beta[None, :, None] * energy_sub, axis=1)
                + np.sum(nu[:, :, None] * power_sub, axis=1))
        on = np.max(gain - cost[:, None, :], axis=1) > 0
        x = best_k * on[:, None, :]
        use_i, use_e, use_p = usage(sc, x, p, tau)
        obj = np.sum(np.where(x > 0, gain, 0))
        if feasible(sc, x, p, tau) and obj > best_obj:
            best_x, best_obj = x, obj
        d = step * scale / math.sqrt(i + 1.0)
        alpha, beta, nu = dual_step(alpha, use_i, d), dual_step(beta, use_e, d), dual_step(nu, use_p, d)
    return best_x


def pstep(sc, x, tau, w, p_prev, num_iters=500, step=2.0):
    """P-step (34): dual water-filling capped at P_max with projected subgradient; best feasible (scaled) iterate."""
    g, _, l, n = sc["lam"].shape
    m = sc["phi"].shape[1]
    gamma = np.sum(x[:, :, None] * sc["num_rx"] * w[:, :, None] * sc["lam"] / sc["noise"], axis=1)   # [G, L, N]
    used = x.sum(axis=1)
    weight = tau[:, None, None] * used[:, None, :]
    value = lambda pp: float(np.sum(weight * np.log1p(gamma * pp)) * _LOG2E)  # noqa: E731
    n_used = np.maximum(used.sum(axis=-1), 1.0)
    scale = max(np.sum(tau * n_used) * _LOG2E / g, 1e-30)
    alpha, beta, nu = np.zeros((g, m)), np.zeros(l), np.broadcast_to((tau * n_used * _LOG2E)[:, None], (g, l)).copy()
    best_p, best_v = p_prev, value(p_prev)
    for i in range(num_iters):
        c_i = np.sum(alpha[:, :, None, None] * sc["y"][:, :, None, :] * sc["phi"], axis=1) / sc["i_th"]
        cost = used[:, None, :] * (c_i + beta[None, :, None] * tau[:, None, None] / sc["energy"][None, :, None]
                                   + nu[:, :, None] / sc["p_max"])
        level = weight * _LOG2E / np.maximum(cost, 1e-300)
        safe = np.where(gamma > 0, gamma, 1.0)
        p = np.minimum(np.where(gamma > 0, np.maximum(level - 1.0 / safe, 0.0), 0.0), sc["p_max"])   # box (D77)
        use_i, use_e, use_p = usage(sc, x, p, tau)
        p_feas = p * feasibility_scale(sc, x, p, tau)
        v = value(p_feas)
        if v > best_v:
            best_p, best_v = p_feas, v
        d = step * scale / math.sqrt(i + 1.0)
        alpha, beta, nu = dual_step(alpha, use_i, d), dual_step(beta, use_e, d), dual_step(nu, use_p, d)
    return best_p


def power_bcd(sc, x, p, tau, objective, p_step, num_outer=10, tol=1e-6):
    """Algorithms 2 and 5: P-step, safeguard (damping by halving), W-step, until the relative change
    of ``objective`` is at most ``tol``."""
    p = p * (x.sum(axis=1)[:, None, :] > 0)
    obj = objective(sc, x, p, tau)
    w = slack(snr(sc, p), sc["num_rx"])
    for _ in range(num_outer):
        p_hat = p_step(w, p)
        theta, new = 1.0, obj
        for _ in range(20):
            cand = p + theta * (p_hat - p)
            val = objective(sc, x, cand, tau)
            if val >= obj:
                p, new = cand, val
                break
            theta *= 0.5
        w = slack(snr(sc, p), sc["num_rx"])
        done = abs(new - obj) <= tol * max(abs(obj), 1e-30)
        obj = new
        if done:
            break
    return p


def algorithm2(sc, x, p, tau, num_outer=10, num_dual=500, step=2.0, tol=1e-6):
    return power_bcd(sc, x, p, tau, overall, lambda w, pp: pstep(sc, x, tau, w, pp, num_dual, step), num_outer, tol)


def hovering_lp(sc, x, p, tau_prev):
    """LP (21) by HiGHS, clipped and scaled into (14c)/(14e), never worse than ``tau_prev``."""
    c = np.sum(x * rates(sc, p), axis=(1, 2))
    e = np.sum(x.sum(axis=1)[:, None] * p, axis=-1)                                       # [G, L]
    g = c.size
    res = linprog(-c, A_ub=np.vstack([np.ones((1, g)), e.T]), b_ub=np.concatenate([[sc["budget"]], sc["energy"]]),
                  bounds=[(0.0, sc["tau_max"])] * g, method="highs")
    if res.status != 0:
        raise RuntimeError(f"hovering-time LP (21) failed: {res.message}")
    tau = np.clip(res.x, 0.0, sc["tau_max"])
    tau = tau * (1 - _MARGIN) / max(1.0, tau.sum() / sc["budget"], np.max((tau @ e) / sc["energy"]))
    return tau_prev if c @ tau < c @ tau_prev else tau


def bcd(sc, start, objective, blocks, max_iters, tol):
    """The BCD loop of Algorithms 3 and 6: ``blocks`` (each ``(x, p, tau) -> (x, p, tau)``) in turn
    until the relative change of ``objective`` is at most ``tol``. Returns ``(x, p, tau, history)``."""
    x, p, tau = start
    obj = objective(sc, x, p, tau)
    history = [obj]
    for _ in range(max_iters):
        for block in blocks:
            x, p, tau = block(x, p, tau)
        new = objective(sc, x, p, tau)
        history.append(new)
        done = abs(new - obj) <= tol * max(abs(obj), 1e-30)
        obj = new
        if done:
            break
    return x, p, tau, history


def algorithm3(sc, max_iters=10, tol=1e-4, alg1_iters=200, alg2_outer=10, alg2_dual=500):
    """Algorithm 3 from ``initial_point``. Returns ``(x, p, tau, history)``."""
    blocks = (lambda x, p, tau: (algorithm1(sc, x, p, tau, alg1_iters), p, tau),
              lambda x, p, tau: (x, algorithm2(sc, x, p, tau, alg2_outer, alg2_dual), tau),
              lambda x, p, tau: (x, p, hovering_lp(sc, x, p, tau)))
    return bcd(sc, initial_point(sc), overall, blocks, max_iters, tol)


def algorithm4(sc, x_prev, p, tau):
    """Algorithm 4: coverage phase (the unserved user whose best free subchannel is worst takes it),
    then greedy (the user with the lowest running efficiency takes its best free subchannel);
    ``x_prev`` kept if its minimum is higher."""
    g, k, _, n = sc["lam"].shape
    c = tau[:, None, None] * rates(sc, p)
    x = np.zeros((g, k, n))
    for gi in range(g):
        users = [kk for kk in range(k) if sc["mask"][gi, kk]]
        avail, eff, unserved = list(range(n)), {kk: 0.0 for kk in users}, list(users)
        while unserved:
            best = {kk: max(avail, key=lambda nn: c[gi, kk, nn]) for kk in unserved}
            kk = min(unserved, key=lambda u: c[gi, u, best[u]])
            nn = best[kk]
            x[gi, kk, nn] = 1.0
            eff[kk] += c[gi, kk, nn]
            avail.remove(nn)
            unserved.remove(kk)
        while avail:
            kk = min(users, key=lambda u: eff[u])
            nn = max(avail, key=lambda s: c[gi, kk, s])
            x[gi, kk, nn] = 1.0
            eff[kk] += c[gi, kk, nn]
            avail.remove(nn)
    if x_prev is not None and minimum(sc, x, p, tau) < minimum(sc, x_prev, p, tau):
        return x_prev
    return x


def pstep_maxmin(sc, x, tau, w, p_prev, num_iters=500, step=2.0):
    """P-step (58): water-filling on the Lagrangian (60), powers capped at P_max, with exponentiated
    user weights on the simplex (step 0.5 delta_0 / sqrt(i + 1)) and clipped subgradient prices; the
    best feasible (scaled) iterate."""
    g, k, l, n = sc["lam"].shape
    m, nr, mask = sc["phi"].shape[1], sc["num_rx"], sc["mask"]
    gamma = np.sum(x[:, :, None] * nr * w[:, :, None] * sc["lam"] / sc["noise"], axis=1)
    used = x.sum(axis=1)
    comp = nr * ((w - 1.0) * _LOG2E - np.log2(w))

    def utilities(pp):
        f = np.sum(np.log1p(nr * w[..., None] * snr(sc, pp)), axis=-1) * _LOG2E + comp
        return np.where(mask, tau[:, None] * np.sum(x * f, axis=-1), np.inf)

    n_used = np.maximum(x.sum(axis=(1, 2)), 1.0)
    k_total = max(int(mask.sum()), 1)
    u0 = utilities(p_prev)
    scale = max(np.sum(np.where(mask, u0, 0.0)) / k_total, 1e-30)                 # mean over real users
    omega = np.where(mask, 1.0 / k_total, 0.0)
    alpha, beta = np.zeros((g, m)), np.zeros(l)
    nu = np.broadcast_to((tau * n_used * _LOG2E / k_total)[:, None], (g, l)).copy()
    best_p, best_v = p_prev, float(np.min(u0))
    for i in range(num_iters):
        wt = tau[:, None] * np.sum(x * omega[:, :, None], axis=1)                          # [G, N]
        c_i = np.sum(alpha[:, :, None, None] * sc["y"][:, :, None, :] * sc["phi"], axis=1) / sc["i_th"]
        cost = used[:, None, :] * (c_i + beta[None, :, None] * tau[:, None, None] / sc["energy"][None, :, None]
                                   + nu[:, :, None] / sc["p_max"])
        level = wt[:, None, :] * _LOG2E / np.maximum(cost, 1e-300)
        safe = np.where(gamma > 0, gamma, 1.0)
        pp = np.minimum(np.where(gamma > 0, np.maximum(level - 1.0 / safe, 0.0), 0.0), sc["p_max"])
        p_feas = pp * feasibility_scale(sc, x, pp, tau)
        u = utilities(p_feas)
        if np.min(u) > best_v:
            best_p, best_v = p_feas, float(np.min(u))
        use_i, use_e, use_p = usage(sc, x, pp, tau)
        d = step * scale / math.sqrt(i + 1.0)
        u_real = np.where(mask, u, 0.0)
        rel = u_real / max(np.sum(u_real) / k_total, 1e-30)
        omega = np.where(mask, omega * np.exp(-0.5 * step / math.sqrt(i + 1.0) * (rel - 1.0)), 0.0)
        omega = omega / omega.sum()
        alpha, beta, nu = dual_step(alpha, use_i, d), dual_step(beta, use_e, d), dual_step(nu, use_p, d)
    return best_p


def algorithm5(sc, x, p, tau, num_outer=10, num_dual=500, step=2.0, tol=1e-6):
    return power_bcd(sc, x, p, tau, minimum, lambda w, pp: pstep_maxmin(sc, x, tau, w, pp, num_dual, step),
                     num_outer, tol)


def maxmin_tau(sc, x, p, tau_prev):
    """Closed form of (49); ``tau_prev`` if some group has a zero-rate user."""
    c = np.min(np.where(sc["mask"], np.sum(x * rates(sc, p), axis=-1), np.inf), axis=1)
    if not np.all(c > 0):
        return tau_prev
    e = np.sum(x.sum(axis=1)[:, None] * p, axis=-1)
    inv = 1.0 / c
    denom = inv @ e
    cands = [sc["budget"] / inv.sum(), sc["tau_max"] * c.min()] + [sc["energy"][i] / denom[i]
                                                                   for i in range(denom.size) if denom[i] > 0]
    tau = np.clip(min(cands) * inv, 0.0, sc["tau_max"])
    return tau * (1 - _MARGIN) / max(1.0, tau.sum() / sc["budget"], np.max((tau @ e) / sc["energy"]))


def _maxmin_tau_step(sc, x, p, tau):
    new = maxmin_tau(sc, x, p, tau)
    return new if minimum(sc, x, p, new) >= minimum(sc, x, p, tau) else tau


def algorithm6(sc, max_iters=10, tol=1e-4, alg5_outer=10, alg5_dual=500):
    """Algorithm 6 from ``initial_point`` re-assigned by Algorithm 4. Returns ``(x, p, tau, history)``."""
    _, p, tau = initial_point(sc)
    blocks = (lambda x, p, tau: (algorithm4(sc, x, p, tau), p, tau),
              lambda x, p, tau: (x, algorithm5(sc, x, p, tau, alg5_outer, alg5_dual), tau),
              lambda x, p, tau: (x, p, _maxmin_tau_step(sc, x, p, tau)))
    return bcd(sc, (algorithm4(sc, None, p, tau), p, tau), minimum, blocks, max_iters, tol)


__all__ = ["scenario_arrays", "slack", "rates", "initial_point", "algorithm1", "pstep", "algorithm2", "hovering_lp",
           "bcd", "algorithm3", "algorithm4", "pstep_maxmin", "algorithm5", "maxmin_tau", "algorithm6"]
