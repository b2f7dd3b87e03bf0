"""Paper A's SHGNN training step in NumPy: forward, loss (51), a hand-written backward pass and an
Adam update — what a researcher without an autodiff framework would have to write.

Same architecture, features and algebra as ``satjax.uplink.SHGNN`` (compact satellite features,
beta AP features, messages pooled before their last Linear); batched, all users and APs real.
Parameters are a flat dict named like PyTorch's ``named_parameters`` with satjax's ``[in, out]``
weight layout. Every function returning a ``back`` closure maps the gradient of its output to
the gradients of its parameters (accumulated into ``grads``) and of its inputs. Checked against
satjax's gradients in tests/benchmarks/test_torch_reference.py.
"""

from __future__ import annotations

import math

import numpy as np

from satjax.uplink.models import AP_DB_MEAN, AP_DB_STD, SAT_DB_MEAN, SAT_DB_STD  # the model's input standardization

POOLED = ("ap_aggregate", "sat_message", "user_from_aps")
MLPS = ("ap_combine", "sat_combine", "user_from_sat", "user_combine")


def params_from_satjax(model, dtype=np.float64) -> dict[str, np.ndarray]:
    """Flat parameter dict of a ``satjax.uplink.SHGNN`` (compact / beta features) in ``dtype``."""
    out = {}

    def add(prefix, dense, bias=True):
        out[f"{prefix}.weight"] = np.asarray(dense.weight, dtype)
        if bias:
            out[f"{prefix}.bias"] = np.asarray(dense.bias, dtype)

    for i, layer in enumerate(model.layers):
        for name in POOLED:
            m = getattr(layer, name)
            if m is None:                                             # the last layer updates users only
                continue
            add(f"layers.{i}.{name}.edge", m.edge), add(f"layers.{i}.{name}.state", m.state, bias=False)
            add(f"layers.{i}.{name}.outer", m.outer)
        for name in MLPS:
            m = getattr(layer, name)
            if m is None:
                continue
            add(f"layers.{i}.{name}.inner", m.inner), add(f"layers.{i}.{name}.outer", m.outer)
    add("readout.inner", model.readout.inner), add("readout.outer", model.readout.outer)
    return out


def features(beta_ap, g_bar, r_sat, pilot, p_max, *, pilot_power, tau_p, noise_ap, noise_sat):
    """Edge features as in ``satjax.uplink.graph_inputs``: AP-user [B, M, K, 1], satellite-user [B, K, 3]."""
    ap = ((10 * np.log10(beta_ap / noise_ap) - AP_DB_MEAN) / AP_DB_STD)[..., None]
    los = np.sum(np.abs(g_bar) ** 2, -1) / noise_sat
    scatter = np.real(np.trace(r_sat, axis1=-2, axis2=-1)) / g_bar.shape[-1]
    db = np.stack([10 * np.log10(los), 10 * np.log10(scatter / noise_sat)], -1)
    db = (db - np.asarray(SAT_DB_MEAN, db.dtype)) / np.asarray(SAT_DB_STD, db.dtype)
    sharing = (pilot[..., :, None] == pilot[..., None, :]).astype(scatter.dtype)
    ptau = pilot_power * tau_p
    q = ptau * scatter / (ptau * np.einsum("...k,...kl->...l", scatter, sharing) + noise_sat)
    return ap, np.concatenate([db, q[..., None]], -1)


def _sum_lead(x):
    return x.reshape(-1, x.shape[-1])


def linear(p, grads, name, x, bias=True):
    w = p[f"{name}.weight"]
    y = x @ w + (p[f"{name}.bias"] if bias else 0)

    def back(dy, need_dx=True):
        grads[f"{name}.weight"] += _sum_lead(x).T @ _sum_lead(dy)
        if bias:
            grads[f"{name}.bias"] += _sum_lead(dy).sum(0)
        return dy @ w.T if need_dx else None

    return y, back


def mlp(p, grads, name, *xs):
    """Linear-ReLU-Linear on the concatenation of ``xs``; back returns the gradient of each x."""
    sizes = np.cumsum([x.shape[-1] for x in xs])[:-1]
    h, back1 = linear(p, grads, f"{name}.inner", np.concatenate(xs, -1))
    a = np.maximum(h, 0)
    y, back2 = linear(p, grads, f"{name}.outer", a)

    def back(dy):
        return np.split(back1(back2(dy) * (h > 0)), sizes, axis=-1)

    return y, back


def pooled(p, grads, name, edges, states, over_users: bool):
    """mean over neighbours of MLP([e, d]); edges [B, M, K, E] (or [B, 1, K, E]), neighbour states
    [B, K, D] (pool over users, axis 2) or [B, M, D] (pool over APs, axis 1)."""
    s, back_s = linear(p, grads, f"{name}.state", states, bias=False)
    e, back_e = linear(p, grads, f"{name}.edge", edges)
    axis = 2 if over_users else 1
    z = e + (s[:, None] if over_users else s[:, :, None])
    n = z.shape[axis]
    y, back_o = linear(p, grads, f"{name}.outer", np.maximum(z, 0).mean(axis))

    def back(dy):
        dz = np.expand_dims(back_o(dy) / n, axis) * (z > 0)
        back_e(dz, need_dx=False)                                     # edge features are data
        return back_s(dz.sum(1 if over_users else 2))

    return y, back


def layer(p, grads, i, b, s, u, ap, sat, users_only=False):
    """Eqs. (48)-(50), synchronous; back maps (db', ds', du') to (db, ds, du). A users-only layer
    (the last) passes b and s through unchanged."""
    L = f"layers.{i}"
    a_uap, bk_uap = pooled(p, grads, f"{L}.user_from_aps", ap, b, False)
    s_b = np.broadcast_to(s[:, None], (u.shape[0], u.shape[1], s.shape[-1]))
    a_usat, bk_usat = mlp(p, grads, f"{L}.user_from_sat", sat, s_b)
    zu, bk_zu = mlp(p, grads, f"{L}.user_combine", u, a_uap, a_usat)
    if users_only:
        def back_users(db_new, ds_new, du_new):
            du, d_uap, d_usat = bk_zu(du_new * (zu > 0))
            _, ds_b = bk_usat(d_usat)
            return db_new + bk_uap(d_uap), ds_new + ds_b.sum(1), du

        return (b, s, np.maximum(zu, 0)), back_users
    a_ap, bk_a_ap = pooled(p, grads, f"{L}.ap_aggregate", ap, u, True)
    zb, bk_zb = mlp(p, grads, f"{L}.ap_combine", b, a_ap)
    a_sat, bk_a_sat = pooled(p, grads, f"{L}.sat_message", sat[:, None], u, True)
    zs, bk_zs = mlp(p, grads, f"{L}.sat_combine", s, a_sat[:, 0])

    def back(db_new, ds_new, du_new):
        du, d_uap, d_usat = bk_zu(du_new * (zu > 0))
        _, ds_b = bk_usat(d_usat)
        db = bk_uap(d_uap)
        ds, d_asat = bk_zs(ds_new * (zs > 0))
        ds = ds + ds_b.sum(1)
        du = du + bk_a_sat(d_asat[:, None])
        db2, d_aap = bk_zb(db_new * (zb > 0))
        return db + db2, ds, du + bk_a_ap(d_aap)

    return (np.maximum(zb, 0), np.maximum(zs, 0), np.maximum(zu, 0)), back


def _forward(p, grads, ap, sat, p_max, num_layers):
    bsz, m = ap.shape[:2]
    b, s, u = np.ones((bsz, m, 1), ap.dtype), np.ones((bsz, 1), ap.dtype), p_max[..., None]
    backs = []
    for i in range(num_layers):
        (b, s, u), back = layer(p, grads, i, b, s, u, ap, sat, users_only=i == num_layers - 1)
        backs.append((back, b.shape, s.shape))
    y, back_r = mlp(p, grads, "readout", u)
    sig = 1 / (1 + np.exp(-y[..., 0]))
    return sig * p_max, sig, backs, back_r


def powers(p, ap, sat, p_max, num_layers: int):
    """Inference: transmit powers [B, K] in [0, p_max]."""
    return _forward(p, {k: np.zeros_like(v) for k, v in p.items()}, ap, sat, p_max, num_layers)[0]


def loss_and_grads(p, ap, sat, p_max, a, interference, noise, num_layers: int):
    """Loss (51) (minus the batch mean of the sum spectral efficiency) and its gradient in ``p``."""
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    bsz = ap.shape[0]
    rho, sig, backs, back_r = _forward(p, grads, ap, sat, p_max, num_layers)
    den = np.einsum("...kj,...j->...k", interference, rho) + noise
    sinr = rho * a**2 / den
    loss = -(np.log1p(sinr) / math.log(2)).sum(-1).mean()
    # d(sum_k log2(1 + SINR_k))/d rho_j, then the chain through the sigmoid
    w = sinr / (1 + sinr) / den
    dse = ((a**2 / den) / (1 + sinr) - np.einsum("...k,...kj->...j", w, interference)) / math.log(2)
    dy = (-dse / bsz) * p_max * sig * (1 - sig)
    (du,) = back_r(dy[..., None])
    db, ds = 0.0, 0.0
    for back, b_shape, s_shape in reversed(backs):
        db, ds, du = back(np.broadcast_to(db, b_shape), np.broadcast_to(ds, s_shape), du)
    return loss, grads


class Adam:
    """Adam (Kingma & Ba), the update optax.adam and torch.optim.Adam make, on a dict of arrays."""

    def __init__(self, params, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
        self.lr, self.b1, self.b2, self.eps, self.t = lr, b1, b2, eps, 0
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}

    def step(self, params, grads):
        self.t += 1
        for k, g in grads.items():
            self.m[k] = self.b1 * self.m[k] + (1 - self.b1) * g
            self.v[k] = self.b2 * self.v[k] + (1 - self.b2) * g * g
            m_hat = self.m[k] / (1 - self.b1**self.t)
            v_hat = self.v[k] / (1 - self.b2**self.t)
            params[k] = params[k] - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def train_step(params, optimizer, batch, *, scalars, num_layers):
    """Features from the statistics, loss, backward, Adam; ``batch = (beta, g, r, pilot, p_max, a,
    interference, noise)`` as in the PyTorch reference. Returns the loss."""
    beta, g, r, pilot, p_max, a, interference, noise = batch
    ap, sat = features(beta, g, r, pilot, p_max, **scalars)
    loss, grads = loss_and_grads(params, ap, sat, p_max, a, interference, noise, num_layers)
    optimizer.step(params, grads)
    return loss
