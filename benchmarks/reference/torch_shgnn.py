"""Paper A's SHGNN (Sec. V, eqs. (45)-(50)) in PyTorch, batched, with the compact satellite
features and beta AP features of ``satjax.uplink.SHGNN`` and the unsupervised loss (51).

Same architecture and the same algebra as satjax (every message MLP pooled before its last
Linear), so a timing compares frameworks, not algorithms. All users and APs are real (no
padding). :func:`from_satjax` copies an Equinox model's weights, which is how the tests check
that forward, loss, gradients and one Adam step agree.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from benchmarks.reference.convert import torch_device
from satjax.uplink.models import AP_DB_MEAN, AP_DB_STD, SAT_DB_MEAN, SAT_DB_STD  # the model's input standardization


def _linear(fan_in, out, bias=True, dtype=torch.float32):
    return nn.Linear(fan_in, out, bias=bias, dtype=dtype)


class Pooled(nn.Module):
    """mean_n MLP(e_mn, d_n) over a complete bipartite edge set, pooled before the last Linear."""

    def __init__(self, edge, state, hidden, dtype):
        super().__init__()
        self.edge, self.state, self.outer = _linear(edge, hidden, dtype=dtype), _linear(state, hidden, False, dtype), _linear(hidden, hidden, dtype=dtype)

    def forward(self, edges, states, over_users: bool):
        s = self.state(states)                                         # [B, K, H] or [B, M, H]
        s = s[:, None] if over_users else s[:, :, None]
        return self.outer(torch.relu(self.edge(edges) + s).mean(dim=2 if over_users else 1))


class MLP(nn.Module):
    def __init__(self, fan_in, hidden, out, dtype):
        super().__init__()
        self.inner, self.outer = _linear(fan_in, hidden, dtype=dtype), _linear(hidden, out, dtype=dtype)

    def forward(self, *xs):
        return self.outer(torch.relu(self.inner(torch.cat(xs, dim=-1))))


class Layer(nn.Module):
    def __init__(self, d, hidden, dtype, users_only=False):
        super().__init__()
        h = hidden
        self.users_only = users_only                                # the last layer: AP/satellite states feed nothing
        if not users_only:
            self.ap_aggregate, self.ap_combine = Pooled(1, d, h, dtype), MLP(d + h, h, h, dtype)
            self.sat_message, self.sat_combine = Pooled(3, d, h, dtype), MLP(d + h, h, h, dtype)
        self.user_from_aps, self.user_from_sat = Pooled(1, d, h, dtype), MLP(3 + d, h, h, dtype)
        self.user_combine = MLP(d + 2 * h, h, h, dtype)

    def forward(self, b, s, u, ap_user, sat_user):
        a_sat = self.user_from_sat(sat_user, s[:, None].expand(-1, u.shape[1], -1))
        u_new = torch.relu(self.user_combine(u, self.user_from_aps(ap_user, b, False), a_sat))         # (50)
        if self.users_only:
            return b, s, u_new
        b_new = torch.relu(self.ap_combine(b, self.ap_aggregate(ap_user, u, True)))                     # (48)
        s_new = torch.relu(self.sat_combine(s, self.sat_message(sat_user[:, None], u, True)[:, 0]))     # (49)
        return b_new, s_new, u_new


def features(beta_ap, g_bar, r_sat, pilot, p_max, *, pilot_power, tau_p, noise_ap, noise_sat):
    """AP-user edges [B, M, K, 1] (beta in dB, standardized) and satellite-user edges [B, K, 3]
    (LoS and per-antenna scattering power in dB, standardized; satellite pilot-contamination ratio)."""
    ap = ((10 * torch.log10(beta_ap / noise_ap) - AP_DB_MEAN) / AP_DB_STD)[..., None]
    los = (g_bar.abs() ** 2).sum(-1) / noise_sat
    scatter = torch.real(torch.diagonal(r_sat, dim1=-2, dim2=-1).sum(-1)) / g_bar.shape[-1]
    db = torch.stack([10 * torch.log10(los), 10 * torch.log10(scatter / noise_sat)], -1)
    mean, std = (torch.tensor(x, dtype=db.dtype, device=db.device) for x in (SAT_DB_MEAN, SAT_DB_STD))
    db = (db - mean) / std
    sharing = (pilot[..., :, None] == pilot[..., None, :]).to(scatter.dtype)
    ptau = pilot_power * tau_p
    q = ptau * scatter / (ptau * (scatter[..., None, :] @ sharing)[..., 0, :] + noise_sat)
    return ap, torch.cat([db, q[..., None]], -1)


class SHGNN(nn.Module):
    def __init__(self, hidden=64, num_layers=3, dtype=torch.float32):
        super().__init__()
        dims = [1] + [hidden] * (num_layers - 1)
        self.layers = nn.ModuleList([Layer(d, hidden, dtype, users_only=i == len(dims) - 1) for i, d in enumerate(dims)])
        self.readout = MLP(hidden, hidden, 1, dtype)

    def forward(self, ap_user, sat_user, p_max):
        """Powers [B, K] in [0, p_max] from the edge features and budgets."""
        bsz, m = ap_user.shape[:2]
        b = torch.ones(bsz, m, 1, dtype=ap_user.dtype, device=ap_user.device)
        s = torch.ones(bsz, 1, dtype=ap_user.dtype, device=ap_user.device)
        u = p_max[..., None]
        for layer in self.layers:
            b, s, u = layer(b, s, u, ap_user, sat_user)
        return torch.sigmoid(self.readout(u)[..., 0]) * p_max


def loss(model, ap_user, sat_user, p_max, a, b, noise):
    """Eq. (51): minus the mean over the batch of the sum spectral efficiency of the closed form."""
    rho = model(ap_user, sat_user, p_max)
    sinr = rho * a**2 / ((b @ rho[..., None])[..., 0] + noise)
    return -(torch.log1p(sinr) / math.log(2)).sum(-1).mean()


def train_step(model, optimizer, batch, loss_fn=loss):
    """One Adam step on a batch ``(ap_user, sat_user, p_max, a, b, noise)``; returns the loss."""
    optimizer.zero_grad(set_to_none=True)
    value = loss_fn(model, *batch)
    value.backward()
    optimizer.step()
    return value.detach()


def from_satjax(model, dtype=torch.float32, device=None) -> SHGNN:
    """A torch SHGNN with the weights of a ``satjax.uplink.SHGNN`` (compact / beta features), on
    ``device`` (default: where :func:`benchmarks.reference.convert.torch_device` puts data)."""
    if model.sat_features != "compact" or model.ap_features != "beta":
        raise ValueError("the reference implements sat_features='compact', ap_features='beta'")
    out = SHGNN(model.hidden, len(model.layers), dtype)

    def copy(lin: nn.Linear, dense):
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(np.asarray(dense.weight).T, dtype=dtype))
            if lin.bias is not None:
                lin.bias.copy_(torch.tensor(np.asarray(dense.bias), dtype=dtype))

    def copy_pooled(p, q):
        copy(p.edge, q.edge), copy(p.state, q.state), copy(p.outer, q.outer)

    def copy_mlp(p, q):
        copy(p.inner, q.inner), copy(p.outer, q.outer)

    for t, j in zip(out.layers, model.layers, strict=True):
        for name in ("ap_aggregate", "sat_message", "user_from_aps"):
            if getattr(j, name) is not None:
                copy_pooled(getattr(t, name), getattr(j, name))
        for name in ("ap_combine", "sat_combine", "user_from_sat", "user_combine"):
            if getattr(j, name) is not None:
                copy_mlp(getattr(t, name), getattr(j, name))
    copy_mlp(out.readout, model.readout)
    return out.to(torch_device() if device is None else device)
