"""Generic neural-network layers of satjax (Equinox): ``Dense``, ``MLP`` and ``masked_mean``.

``satjax.nn`` sits below the systems: it imports no system module. The learned models live with
their system: ``satjax.uplink.SHGNN`` (paper A); ``satjax.downlink.EdgeGNN``,
``UnfoldedDinkelbachWMMSE``, ``LinearUnfoldedWMMSE``, ``ScaledMRT`` (paper B);
``satjax.uav.UavGNN`` (system C).
"""

from satjax.nn.layers import MLP, Dense, masked_mean

__all__ = ["Dense", "MLP", "masked_mean"]
