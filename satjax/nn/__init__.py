"""Neural models of satjax (Equinox). Every model is a policy: ``model(scenario, key) -> decision``.

* :class:`SHGNN` — paper A's satellite heterogeneous GNN for uplink power control (Sec. V);
* :class:`ScaledMRT` — system B's smallest learned precoder (statistical MRT at a learned power).
"""

from satjax.nn.scaled_mrt import ScaledMRT
from satjax.nn.shgnn import AP_FEATURES, SAT_FEATURES, SHGNN, GraphInputs, graph_inputs, masked_mean

__all__ = ["SHGNN", "ScaledMRT", "AP_FEATURES", "SAT_FEATURES", "GraphInputs", "graph_inputs", "masked_mean"]
