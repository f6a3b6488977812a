"""An import-linter contract the library does not ship: no import cycles between apps.

import-linter's own ``acyclic_siblings`` looks at the children of one package, but
Atrium's apps live under three (``portal.apikeys`` and ``sandbox.usage`` are apps of one
site), so this contract collapses the import graph to the apps named in ``apps`` and
reports every cycle among them, with one import of each edge to look at. Configured in
``pyproject.toml`` (``[tool.importlinter]``); checked by ``make lint`` and the suite.
"""

from __future__ import annotations

from importlinter import Contract, ContractCheck, fields, output


class AcyclicAppsContract(Contract):
    type_name = "acyclic_apps"

    apps = fields.ListField(subfield=fields.StringField())

    def check(self, graph, verbose: bool) -> ContractCheck:
        apps = sorted(self.apps, key=len, reverse=True)  # the longest name owns a module

        def app_of(module: str) -> str | None:
            return next((app for app in apps if module == app or module.startswith(app + ".")), None)

        edges: dict[str, dict[str, tuple[str, str]]] = {app: {} for app in apps}
        for app in apps:
            for module in graph.find_descendants(app) | {app}:
                for imported in graph.find_modules_directly_imported_by(module):
                    other = app_of(imported)
                    if other is not None and other != app:
                        edges[app].setdefault(other, (module, imported))
        cycles = [sorted(group) for group in _strongly_connected(edges) if len(group) > 1]
        examples = [[(a, b, *edges[a][b]) for a in group for b in group if b in edges[a]] for group in sorted(cycles)]
        return ContractCheck(kept=not cycles, metadata={"cycles": examples})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle in check.metadata["cycles"]:
            apps = sorted({a for a, *_rest in cycle})
            output.print_error(f"These apps import each other: {', '.join(apps)}.")
            output.new_line()
            for importer_app, imported_app, module, imported in cycle:
                output.print(f"- {importer_app} -> {imported_app} (e.g. {module} -> {imported})")
            output.new_line()


def _strongly_connected(edges: dict[str, dict]) -> list[set[str]]:
    """Tarjan's algorithm over the app graph (a few dozen nodes: recursion is fine)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in edges[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            groups.append(group)

    for node in edges:
        if node not in index:
            visit(node)
    return groups
