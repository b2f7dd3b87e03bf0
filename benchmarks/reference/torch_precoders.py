"""Paper B's learned precoders in PyTorch (the paper's own framework), batched: the end-to-end edge
GNN (Sec. III, eqs. (11)-(14)) with the loss (15) = −EE of bound (9), and the learned
Taylor/edge-update inverse of the GNN deep unfolding (eqs. (27)-(33)).

Same algebra as ``satjax.downlink.EdgeGNN`` and ``satjax.downlink.TaylorInverse`` (edge features of
D42, means over the *other* antennas/users, the normalization Π, the Newton–Schulz start of D32,
the masked-mean pooling of D44), so a timing compares frameworks. All antennas and users are real
(no padding). :func:`edge_gnn_from_satjax` and :func:`taylor_inverse_from_satjax` copy an
Equinox model's parameters, which is how ``tests/benchmarks/`` checks that outputs, loss and
gradients agree in float64.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

LOSS_UNIT = 1e6          # Mbit/J, as satjax.downlink.PrecodingTask


def _linear_from(dense, dtype) -> nn.Linear:
    w = np.asarray(dense.weight)
    lin = nn.Linear(w.shape[0], w.shape[1], bias=dense.bias is not None, dtype=dtype)
    with torch.no_grad():
        lin.weight.copy_(torch.from_numpy(w.T.copy()))
        if dense.bias is not None:
            lin.bias.copy_(torch.from_numpy(np.asarray(dense.bias).copy()))
    return lin


class MLP(nn.Module):
    def __init__(self, mlp, dtype):
        super().__init__()
        self.inner, self.outer = _linear_from(mlp.inner, dtype), _linear_from(mlp.outer, dtype)

    def forward(self, *xs):
        return self.outer(torch.relu(self.inner(torch.cat(xs, dim=-1))))


def _mean_of_others(x, dim):
    n = x.shape[dim]
    return (x.sum(dim=dim, keepdim=True) - x) / max(n - 1, 1)


class EdgeLayer(nn.Module):
    def __init__(self, layer, dtype):
        super().__init__()
        self.over_antennas, self.over_users = MLP(layer.over_antennas, dtype), MLP(layer.over_users, dtype)
        self.combine = MLP(layer.combine, dtype)

    def forward(self, a):                                                    # a: [B, Nt, K, F]
        return torch.relu(self.combine(a, _mean_of_others(self.over_antennas(a), 1),
                                       _mean_of_others(self.over_users(a), 2)))      # (12)-(13)


def project_to_budget(b, p_max):
    """Π of eqs. (14)/(34), batched: ``b [B, Nt, K]``, ``p_max [B]``."""
    p = (b.abs() ** 2).sum(dim=(1, 2))
    scale = torch.where(p > p_max, torch.sqrt(p_max / p), torch.ones_like(p))
    return b * scale[:, None, None]


def edge_features(v, gamma, noise, p_max, xi, p_static):
    """``[B, Nt, K, 4]``: Re/Im v, log10 of the equal-split full-power SNR, log10(ξ P_max / P_t)."""
    nt, k = v.shape[1], v.shape[2]
    s = torch.log10(p_max[:, None] * gamma * nt / (k * noise[:, None]))
    e = torch.log10(xi * p_max / p_static)
    return torch.stack([v.real, v.imag, s[:, None, :].expand(-1, nt, -1), e[:, None, None].expand(-1, nt, k)], -1)


class EdgeGNN(nn.Module):
    def __init__(self, model, dtype=torch.float32):
        super().__init__()
        self.layers = nn.ModuleList(EdgeLayer(layer, dtype) for layer in model.layers)
        self.readout = _linear_from(model.readout, dtype)

    def forward(self, v, gamma, noise, p_max, xi, p_static):
        a = edge_features(v, gamma, noise, p_max, xi, p_static)
        for layer in self.layers:
            a = layer(a)
        out = self.readout(a)
        return project_to_budget(torch.complex(out[..., 0], out[..., 1]), p_max)


def edge_gnn_from_satjax(model, dtype=torch.float32) -> EdgeGNN:
    """A PyTorch copy of a ``satjax.downlink.EdgeGNN`` (same weights)."""
    return EdgeGNN(model, dtype)


def energy_efficiency(b, v, gamma, noise, bandwidth, xi, p_static):
    """EE of bound (9) with power model (5) [bit/J], batched: SINR_k with h_k = sqrt(γ_k) v_k."""
    h = v * torch.sqrt(gamma)[:, None, :]
    g = (h.conj().transpose(1, 2) @ b).abs() ** 2                              # [B, K (user), K (beam)]
    signal = torch.diagonal(g, dim1=1, dim2=2)
    interference = g.sum(-1) - signal
    rate = torch.log1p(signal / (interference + noise[:, None])).sum(-1) / math.log(2)
    power = xi * (b.abs() ** 2).sum(dim=(1, 2)) + p_static
    return bandwidth * rate / power


def loss(net, batch):
    """Loss (15) = −mean EE over the batch [Mbit/J]; ``batch = (v, gamma, noise, p_max, bandwidth, xi, p_static)``."""
    v, gamma, noise, p_max, bandwidth, xi, p_static = batch
    b = net(v, gamma, noise, p_max, xi, p_static)
    return -(energy_efficiency(b, v, gamma, noise, bandwidth, xi, p_static) / LOSS_UNIT).mean()


def train_step(net, opt, batch) -> float:
    opt.zero_grad(set_to_none=True)
    value = loss(net, batch)
    value.backward()
    opt.step()
    return float(value.detach())


class TaylorInverse(nn.Module):
    """``F^(L) ≈ M^{-1}`` by the edge-update layers of eqs. (31)/(33), batched ``M [B, N, N]``."""

    def __init__(self, inverse, dtype=torch.float64):
        super().__init__()
        tensor = lambda x: nn.Parameter(torch.from_numpy(np.asarray(x, np.float64).copy()).to(dtype))  # noqa: E731
        self.c = nn.ParameterList(tensor(layer.c) for layer in inverse.layers)
        self.s = nn.ParameterList(tensor(layer.s) for layer in inverse.layers)
        self.d = nn.ParameterList(tensor(layer.d) for layer in inverse.layers)
        self.num_layers, self.shared = inverse.num_layers, inverse.share_layers

    def forward(self, m):
        a = m.abs()
        scale = a.sum(-2).amax(-1) * a.sum(-1).amax(-1)
        f = m.conj().transpose(-1, -2) / scale[:, None, None]                  # Newton–Schulz start (D32)
        for i in range(self.num_layers):
            j = 0 if self.shared else i
            fmf = f @ m @ f
            g = torch.stack([torch.stack([f.real, f.imag], -1), torch.stack([fmf.real, fmf.imag], -1)], -2)   # [B,N,N,2,2]
            out = (torch.einsum("zijab,aeb->zije", g, self.c[j])
                   + torch.einsum("zjab,aeb->zje", g.mean(1), self.s[j])[:, None]
                   + torch.einsum("ziab,aeb->zie", g.mean(2), self.d[j])[:, :, None])
            f = torch.complex(out[..., 0], out[..., 1])
        return f


def taylor_inverse_from_satjax(inverse, dtype=torch.float32) -> TaylorInverse:
    """A PyTorch copy of a ``satjax.downlink.models.TaylorInverse`` (same coefficients)."""
    return TaylorInverse(inverse, dtype)
