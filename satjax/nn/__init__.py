"""Neural models of satjax (Equinox). Every model is a policy of its system:
``model(scenario, key=None) -> decision``.

* ``SHGNN`` — paper A's satellite heterogeneous GNN for uplink power control (Sec. V);
* ``EdgeGNN`` — paper B's end-to-end edge GNN precoder (Sec. III);
* ``UnfoldedDinkelbachWMMSE`` — paper B's GNN deep unfolding with the Taylor-series inverse
  (Sec. IV, Algorithm 2);
* ``LinearUnfoldedWMMSE`` — paper B's linear deep-unfolding baseline (IAIDNN);
* ``ScaledMRT`` — the smallest learned precoder (statistical MRT at a learned power);
* ``UavGNN`` — powers and hovering times for system C (paper C; beyond the paper).
"""

from satjax.nn.edge_gnn import EdgeGNN, edge_features
from satjax.nn.layers import MLP, Dense
from satjax.nn.scaled_mrt import ScaledMRT
from satjax.nn.shgnn import AP_FEATURES, SAT_FEATURES, SHGNN, GraphInputs, graph_inputs, masked_mean
from satjax.nn.unfolding import LinearUnfoldedWMMSE, TaylorInverse, TaylorLayer, UnfoldedDinkelbachWMMSE
from satjax.nn.uav_gnn import UavGNN, uav_features

__all__ = [
    "SHGNN",
    "EdgeGNN",
    "UnfoldedDinkelbachWMMSE",
    "LinearUnfoldedWMMSE",
    "ScaledMRT",
    "UavGNN",
    "AP_FEATURES",
    "SAT_FEATURES",
    "Dense",
    "GraphInputs",
    "MLP",
    "TaylorInverse",
    "TaylorLayer",
    "edge_features",
    "graph_inputs",
    "masked_mean",
    "uav_features",
]
