"""Seeing the graph (beyond TF1): Graphviz pictures and networkx analyses.

`to_dot` / `render` draw a graph or the part of it some fetches need, with name scopes
as clusters and shapes on the edges; `to_networkx` and the analyses answer questions a
picture raises (what runs, in which order, how deep, where the parameters are).
graphviz and networkx are imported only when these functions run, so `import minigraph`
stays fast.
"""
from minigraph.viz.dot import render, to_dot  # noqa: F401
from minigraph.viz.analysis import (  # noqa: F401
    longest_path, ops_by_type, parameter_counts, subgraph_for, to_networkx, topological_order)
