"""Neural models of satjax (Equinox). Every model is a policy: ``model(scenario, key) -> decision``.

* :class:`SHGNN` — paper A's satellite heterogeneous GNN for uplink power control (Sec. V).
"""

from satjax.nn.shgnn import AP_FEATURES, SAT_FEATURES, SHGNN, GraphInputs, graph_inputs, masked_mean

__all__ = ["AP_FEATURES", "SAT_FEATURES", "SHGNN", "GraphInputs", "graph_inputs", "masked_mean"]
