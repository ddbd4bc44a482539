"""The floors of docs/architecture.md hold: no package imports one above it.

platform is the ground; catalog stands on it; orders on catalog; reporting (and money)
listen to orders; web and the composition root (gannan/app.py) sit on top.  A lower
floor announces through blinker signals instead of importing upwards.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import gannan

ROOT = Path(gannan.__file__).parent
FLOOR = {"platform": 0, "catalog": 1, "orders": 2, "reporting": 3, "money": 3, "web": 4}


def package_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "gannan" and parts[1] in FLOOR else None


def imports_between_packages() -> Counter[tuple[str, str]]:
    """(importing package, imported package) -> number of import statements, anywhere in
    the file (inside functions too)."""
    counts: Counter[tuple[str, str]] = Counter()
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        source = package_of(".".join(rel.parts))
        if source is None:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            targets = {package_of(n) for n in names} - {None, source}
            for target in targets:
                counts[(source, target)] += 1
    return counts


def test_no_package_imports_a_floor_above_it():
    upward = {pair: n for pair, n in imports_between_packages().items()
              if FLOOR[pair[1]] >= FLOOR[pair[0]]}
    assert upward == {}


def test_platform_imports_no_domain():
    assert not [pair for pair in imports_between_packages() if pair[0] == "platform"]


def test_the_counter_sees_real_imports():
    counts = imports_between_packages()
    # orders stands on catalog and platform; reporting reads orders' models
    assert counts[("orders", "catalog")] > 0
    assert counts[("orders", "platform")] > 0
    assert counts[("reporting", "orders")] > 0
