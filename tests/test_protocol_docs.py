"""docs/protocol.md and sync/hub/openapi.json describe the hub the code actually serves.

The routes are read from sync/hub/app.py with ``ast`` (every
``app.add_route(PATH, Resource(...))`` in ``create_app`` and the ``on_<method>``
responders of each resource class), so nothing has to be built or mocked.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "sync" / "hub" / "app.py"
OPENAPI = ROOT / "sync" / "hub" / "openapi.json"
PROTOCOL = ROOT / "docs" / "protocol.md"
ERROR_MODULES = (ROOT / "sync" / "problems.py", ROOT / "sync" / "errors.py")
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _module_strings(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "text"`` constants (e.g. ``HELLO = "/v1/hello"``)."""
    found = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Constant) \
                and isinstance(statement.value.value, str):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = statement.value.value
    return found


def registered_routes() -> set[tuple[str, str]]:
    """(path, method) for every responder create_app registers."""
    tree = ast.parse(APP.read_text(encoding="utf-8"))
    constants = _module_strings(tree)
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    create_app = next(node for node in tree.body
                      if isinstance(node, ast.FunctionDef) and node.name == "create_app")
    routes: set[tuple[str, str]] = set()
    for call in ast.walk(create_app):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr == "add_route"):
            continue
        path_node, resource = call.args[0], call.args[1]
        if isinstance(path_node, ast.Constant):
            path = path_node.value
        else:
            assert isinstance(path_node, ast.Name), ast.dump(path_node)
            path = constants[path_node.id]
        assert isinstance(resource, ast.Call) and isinstance(resource.func, ast.Name)
        methods = [item.name.removeprefix("on_") for item in classes[resource.func.id].body
                   if isinstance(item, ast.FunctionDef) and item.name.startswith("on_")]
        assert methods, f"{resource.func.id} has no responders"
        routes |= {(path, method) for method in methods}
    return routes


def openapi() -> dict:
    return json.loads(OPENAPI.read_text(encoding="utf-8"))


def documented_routes() -> set[tuple[str, str]]:
    return {(path, method) for path, item in openapi()["paths"].items()
            for method in item if method in HTTP_METHODS}


def slugs() -> set[str]:
    found = set()
    for module in ERROR_MODULES:
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            for statement in node.body:
                if not isinstance(statement, ast.Assign):
                    continue
                for target, value in _pairs(statement):
                    if target == "slug":
                        assert isinstance(value, ast.Constant), ast.dump(value)
                        found.add(value.value)
    return found


def _pairs(statement: ast.Assign) -> list[tuple[str, ast.expr]]:
    """``slug = "x"`` and ``status, slug = 400, "x"`` as (name, value) pairs."""
    pairs = []
    for target in statement.targets:
        if isinstance(target, ast.Name):
            pairs.append((target.id, statement.value))
        elif isinstance(target, ast.Tuple) and isinstance(statement.value, ast.Tuple):
            pairs += [(t.id, v) for t, v in zip(target.elts, statement.value.elts, strict=True)
                      if isinstance(t, ast.Name)]
    return pairs


def test_the_route_reader_finds_the_hub() -> None:
    routes = registered_routes()
    assert ("/v1/health", "get") in routes
    assert ("/v1/hello", "post") in routes  # registered through the HELLO constant
    assert ("/v1/claims/{case_no}", "delete") in routes
    assert len(routes) >= 15


def test_openapi_documents_exactly_the_registered_routes() -> None:
    document = openapi()
    assert document["openapi"].startswith("3.1")
    assert documented_routes() == registered_routes()


def test_openapi_path_parameters_match_the_templates() -> None:
    for path, item in openapi()["paths"].items():
        named = {part[1:-1] for part in path.split("/") if part.startswith("{")}
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            given = [*item.get("parameters", []), *operation.get("parameters", [])]
            declared = {p["name"] for p in given if p["in"] == "path"}
            assert declared == named, (path, method)


def test_openapi_security_spares_only_the_unsigned_routes() -> None:
    document = openapi()
    assert "httpSignature" in document["components"]["securitySchemes"]
    assert document["security"] == [{"httpSignature": []}]
    unsigned = {(path, method) for path, item in document["paths"].items()
                for method, operation in item.items()
                if method in HTTP_METHODS and operation.get("security") == []}
    assert unsigned == {("/v1/health", "get"), ("/v1/openapi.json", "get"), ("/metrics", "get")}


def test_openapi_references_resolve() -> None:
    document = openapi()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            target = value.get("$ref")
            if isinstance(target, str):
                node: object = document
                for part in target.removeprefix("#/").split("/"):
                    assert isinstance(node, dict) and part in node, target
                    node = node[part]
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(document)


def test_every_problem_slug_is_in_the_protocol_doc() -> None:
    text = PROTOCOL.read_text(encoding="utf-8")
    found = slugs()
    assert {"fork", "wrong-offset", "signature-invalid", "replay-cache-full"} <= found
    assert sorted(s for s in found if f"`{s}`" not in text) == []


def test_every_openapi_path_is_in_the_protocol_doc() -> None:
    text = PROTOCOL.read_text(encoding="utf-8")
    assert sorted(p for p in openapi()["paths"] if p not in text) == []


def who_may_table() -> dict[tuple[str, str], str]:
    """(path, method) -> rule, from the table under "Appendix: who may read what"."""
    text = PROTOCOL.read_text(encoding="utf-8")
    section = text[text.index("## Appendix: who may read what"):]
    rows: dict[tuple[str, str], str] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 5 and (cells[1].startswith("`/v1/") or cells[1] == "`/metrics`"):
            key = (cells[1].strip("`"), cells[0].lower())
            assert key not in rows, f"{key} is in the table twice"
            rows[key] = cells[3]
    return rows


def test_every_route_has_one_read_rule_in_the_doc_and_in_the_code() -> None:
    """docs/protocol.md's table of who may read what names every route of openapi.json
    once, with the rule sync/hub/scope.py enforces for it."""
    from sync.hub.scope import RULES

    table = who_may_table()
    assert set(table) == documented_routes(), "routes in openapi.json but not in the table " \
        f"{sorted(documented_routes() - set(table))}; in the table only " \
        f"{sorted(set(table) - documented_routes())}"
    in_code = {(path, method.lower()): str(rule) for (method, path), rule in RULES.items()}
    assert table == in_code
