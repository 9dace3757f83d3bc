"""The product's modules import each other without circles.

Every import counts: at the top, inside functions, and under TYPE_CHECKING (a circle there is still
two modules that each need the other to be understood)."""
from __future__ import annotations

from tests.import_graph import cycles, graph


def test_no_import_circles_in_the_product():
    # a package's __init__ importing its own submodules is how a package exports; not a circle
    edges = {m: {d for d in deps if not m.startswith(d + ".")} for m, deps in graph().items()}
    assert cycles(edges) == []


def test_the_checker_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
