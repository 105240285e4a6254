#!/usr/bin/env python3
"""Checks Marquee's OpenAPI document against the routes the router registers.

Usage:
    python3 Tests/openapi_check.py OPENAPI.yaml ROUTES.txt
    python3 Tests/openapi_check.py --self-test

Document mode: OPENAPI.yaml (Sources/HTTPAPI/openapi.yaml) is loaded with PyYAML and validated
as an OpenAPI 3.1 document with `openapi_spec_validator`. ROUTES.txt lists the routes the
router registers, one "METHOD /path" a line (path parameters as `{name}`, as Hummingbird's
`RouterPath` prints them; `:name` is accepted too). Then:

- every route must be an operation of the document, with the same path and placeholder names;
- every operation of the document must be a route (the document cannot describe routes that
  do not exist);
- every operation has an operationId, and no two share one;
- every `$ref` is local (`#/...`) and resolves;
- the document has at least one path, and the route list at least one route.

Every problem found is reported (not only the first); the exit status is 1 when there is any,
0 otherwise, with "openapi check: N operations, all M routes documented".

Self-test mode builds small documents in memory and proves the check passes a good one and
fails a document missing a route, one with an extra operation, an invalid one, one with a
duplicate operationId, one with a dangling $ref and one without paths.

Needs PyPI `PyYAML` and `openapi-spec-validator` >= 0.7 (`make python-deps`).
"""
from __future__ import annotations

import argparse
import copy
import pathlib
import re
import sys
from typing import Any, Iterator
from urllib.parse import unquote

try:
    import yaml
except ImportError:  # pragma: no cover - depends on the machine
    sys.exit("openapi_check: needs the PyPI package PyYAML (pip install PyYAML)")
try:
    from openapi_spec_validator import OpenAPIV31SpecValidator, validate
except ImportError:  # pragma: no cover - depends on the machine
    sys.exit("openapi_check: needs the PyPI package openapi-spec-validator >= 0.7 (pip install 'openapi-spec-validator>=0.7')")

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ROUTE_LINE = re.compile(r"^([A-Za-z]+)\s+(/\S*)$")
COLON_PARAM = re.compile(r"(?<=/):([A-Za-z_][A-Za-z0-9_]*)")
PLACEHOLDER = re.compile(r"\{[^/{}]*\}")


class CheckFailed(Exception):
    """A problem that stops the check before the comparisons (unreadable input)."""


# ---------------------------------------------------------------------------- inputs

def load_document(path: pathlib.Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CheckFailed(f"cannot read {path}: {error}") from error
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise CheckFailed(f"{path} is not valid YAML: {error}") from error


def parse_routes(text: str, source: str = "routes") -> tuple[list[tuple[str, str]], list[str]]:
    """The distinct (METHOD, path) pairs of a route list, and the lines that are not routes."""
    routes: list[tuple[str, str]] = []
    errors: list[str] = []
    seen: set[tuple[str, str]] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = ROUTE_LINE.match(line)
        if not match or match.group(1).lower() not in HTTP_METHODS:
            errors.append(f"{source}:{number}: not a 'METHOD /path' line: {raw!r}")
            continue
        route = (match.group(1).upper(), COLON_PARAM.sub(lambda m: "{" + m.group(1) + "}", match.group(2)))
        if route not in seen:
            seen.add(route)
            routes.append(route)
    return routes, errors


# ---------------------------------------------------------------------------- checks

def validation_errors(document: Any) -> list[str]:
    """OpenAPI 3.1 validity (openapi-spec-validator)."""
    if not isinstance(document, dict):
        return [f"the document is not a YAML mapping (got {type(document).__name__})"]
    version = document.get("openapi")
    if not isinstance(version, str) or not re.fullmatch(r"3\.1\.\d+", version):
        return [f"'openapi' must be a 3.1.x version string, got {version!r}"]
    try:
        validate(document, cls=OpenAPIV31SpecValidator)
    except Exception as error:  # the validator raises several exception types
        message = short(getattr(error, "message", None) or str(error))
        where = "/".join(str(part) for part in getattr(error, "absolute_path", []) or [])
        return [f"not a valid OpenAPI 3.1 document: {message}" + (f" (at {where})" if where else "")]
    return []


def short(message: str, limit: int = 400) -> str:
    """A validator message without the dump of the whole document some of them carry."""
    message = re.sub(r" within \{.*", " within the document", message, flags=re.S)
    return message if len(message) <= limit else message[:limit] + "…"


def operations(document: dict) -> Iterator[tuple[str, str, dict]]:
    """(METHOD, path, operation) for every operation of the document."""
    paths = document.get("paths")
    if not isinstance(paths, dict):
        return
    for path, item in paths.items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                yield method.upper(), str(path), operation


def normalized(path: str) -> str:
    return PLACEHOLDER.sub("{}", path)


def coverage_errors(document: dict, routes: list[tuple[str, str]]) -> list[str]:
    """Routes missing from the document, and operations that are not routes."""
    errors: list[str] = []
    documented = {(method, path) for method, path, _ in operations(document)}
    documented_loose = {}
    for method, path in documented:
        documented_loose.setdefault((method, normalized(path)), []).append(path)
    registered = set(routes)
    registered_loose = {(method, normalized(path)) for method, path in routes}

    for method, path in routes:
        if (method, path) in documented:
            continue
        near = documented_loose.get((method, normalized(path)))
        if near:
            errors.append(f"route {method} {path} is documented as {method} {near[0]}: the path parameter names differ")
        else:
            errors.append(f"route {method} {path} is not documented")
    for method, path in sorted(documented - registered, key=lambda r: (r[1], r[0])):
        if (method, normalized(path)) in registered_loose:
            continue  # already reported above as a placeholder-name mismatch
        errors.append(f"operation {method} {path} is documented but the router does not register it")
    return errors


def operation_id_errors(document: dict) -> list[str]:
    errors: list[str] = []
    owners: dict[str, str] = {}
    for method, path, operation in operations(document):
        operation_id = operation.get("operationId")
        where = f"{method} {path}"
        if not isinstance(operation_id, str) or not operation_id:
            errors.append(f"operation {where} has no operationId")
        elif operation_id in owners:
            errors.append(f"operationId '{operation_id}' is used by both {owners[operation_id]} and {where}")
        else:
            owners[operation_id] = where
    return errors


def refs(node: Any, where: str = "#") -> Iterator[tuple[str, str]]:
    """(location, target) of every `$ref` string in the document."""
    if isinstance(node, dict):
        for key, value in node.items():
            location = f"{where}/{str(key).replace('~', '~0').replace('/', '~1')}"
            if key == "$ref" and isinstance(value, str):
                yield where, value
            else:
                yield from refs(value, location)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from refs(value, f"{where}/{index}")


def resolve(document: Any, pointer: str) -> bool:
    """Whether the local reference `#/a/b` names a node of the document."""
    if pointer == "#":
        return True
    if not pointer.startswith("#/"):
        return False
    node = document
    for token in pointer[2:].split("/"):
        token = unquote(token).replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False
    return True


def ref_errors(document: Any) -> list[str]:
    errors = []
    for where, target in refs(document):
        if not target.startswith("#"):
            errors.append(f"$ref '{target}' at {where} is not local (the document must be self-contained)")
        elif not resolve(document, target):
            errors.append(f"$ref '{target}' at {where} does not resolve")
    return errors


def check(document: Any, routes: list[tuple[str, str]]) -> tuple[list[str], int]:
    """All problems of `document` against `routes`, and its number of operations."""
    errors = validation_errors(document)
    if not isinstance(document, dict):
        return errors, 0
    if not routes:
        errors.append("the route list is empty: a check that checks nothing fails")
    paths = document.get("paths")
    if not isinstance(paths, dict) or not paths:
        errors.append("the document has no paths")
    count = sum(1 for _ in operations(document))
    if isinstance(paths, dict) and paths and count == 0:
        errors.append("the document has paths but no operations")
    errors += coverage_errors(document, routes)
    errors += operation_id_errors(document)
    errors += ref_errors(document)
    return errors, count


def run(document_path: pathlib.Path, routes_path: pathlib.Path) -> int:
    try:
        document = load_document(document_path)
        try:
            route_text = routes_path.read_text(encoding="utf-8")
        except OSError as error:
            raise CheckFailed(f"cannot read {routes_path}: {error}") from error
    except CheckFailed as error:
        print(f"openapi check: {error}", file=sys.stderr)
        return 1
    routes, route_errors = parse_routes(route_text, str(routes_path))
    errors, count = check(document, routes)
    errors = route_errors + errors
    if errors:
        for error in errors:
            print(f"openapi check: {error}", file=sys.stderr)
        print(f"openapi check: FAILED with {len(errors)} problem(s) in {document_path}", file=sys.stderr)
        return 1
    print(f"openapi check: {count} operations, all {len(routes)} routes documented")
    return 0


# ---------------------------------------------------------------------------- self-test

def sample_document() -> dict:
    problem = {"$ref": "#/components/responses/NotFound"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "sample", "version": "1"},
        "paths": {
            "/healthz": {"get": {"operationId": "getHealth", "responses": {"200": {"description": "ok"}}}},
            "/api/v1/channels/{slug}": {
                "parameters": [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}],
                "get": {
                    "operationId": "getChannel",
                    "responses": {
                        "200": {"description": "the channel", "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/Channel"}}}},
                        "404": problem,
                    },
                },
                "patch": {"operationId": "updateChannel", "responses": {"200": {"description": "changed"}, "404": problem}},
            },
        },
        "components": {
            "schemas": {"Channel": {"type": "object", "properties": {"slug": {"type": "string"}}}},
            "responses": {"NotFound": {"description": "not found"}},
        },
    }


SAMPLE_ROUTES = "GET /healthz\nGET /api/v1/channels/{slug}\nPATCH /api/v1/channels/:slug\n"


def self_test() -> int:
    routes, route_errors = parse_routes(SAMPLE_ROUTES)
    failures: list[str] = []

    def expect(name: str, document: Any, route_list: list[tuple[str, str]], should_pass: bool, needle: str = "") -> None:
        errors, _ = check(document, route_list)
        if should_pass and errors:
            failures.append(f"{name}: expected to pass, got {errors}")
        elif not should_pass and not errors:
            failures.append(f"{name}: expected to fail, but passed")
        elif not should_pass and needle and not any(needle in error for error in errors):
            failures.append(f"{name}: expected a problem mentioning {needle!r}, got {errors}")

    if route_errors or len(routes) != 3:
        failures.append(f"parsing the sample routes: {routes} {route_errors}")
    expect("a complete document", sample_document(), routes, True)

    missing = sample_document()
    del missing["paths"]["/api/v1/channels/{slug}"]["patch"]
    expect("a document missing a route", missing, routes, False, "route PATCH /api/v1/channels/{slug} is not documented")

    extra = sample_document()
    extra["paths"]["/metrics"] = {"get": {"operationId": "getMetrics", "responses": {"200": {"description": "ok"}}}}
    expect("a document with an operation the router lacks", extra, routes, False, "operation GET /metrics is documented")

    renamed = sample_document()
    item = renamed["paths"].pop("/api/v1/channels/{slug}")
    item["parameters"][0]["name"] = "name"
    renamed["paths"]["/api/v1/channels/{name}"] = item
    expect("a document with other placeholder names", renamed, routes, False, "path parameter names differ")

    invalid = sample_document()
    del invalid["paths"]["/healthz"]["get"]["responses"]
    invalid["info"].pop("title")
    expect("an invalid document", invalid, routes, False, "not a valid OpenAPI 3.1 document")

    expect("an OpenAPI 3.0 document", {**sample_document(), "openapi": "3.0.3"}, routes, False, "3.1.x")
    expect("a document that is not a mapping", ["openapi", "3.1.0"], routes, False, "not a YAML mapping")

    duplicate = sample_document()
    duplicate["paths"]["/api/v1/channels/{slug}"]["patch"]["operationId"] = "getChannel"
    expect("a duplicate operationId", duplicate, routes, False, "operationId 'getChannel' is used by both")

    unnamed = sample_document()
    del unnamed["paths"]["/healthz"]["get"]["operationId"]
    expect("an operation without operationId", unnamed, routes, False, "has no operationId")

    dangling = sample_document()
    dangling["paths"]["/api/v1/channels/{slug}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/Nope"}
    errors, _ = check(dangling, routes)
    if not any("'#/components/schemas/Nope'" in error and "does not resolve" in error for error in errors):
        failures.append(f"a dangling $ref: expected 'does not resolve', got {errors}")

    external = sample_document()
    external["components"]["schemas"]["Channel"] = {"$ref": "other.yaml#/Channel"}
    expect("an external $ref", external, routes, False, "is not local")

    no_paths = sample_document()
    no_paths["paths"] = {}
    expect("a document without paths", no_paths, routes, False, "the document has no paths")
    expect("a document without paths and no routes", no_paths, [], False, "the document has no paths")
    expect("an empty route list", sample_document(), [], False, "the route list is empty")

    _, bad_lines = parse_routes("GET /ok\nFETCH /nope\nGET\n")
    if len(bad_lines) != 2:
        failures.append(f"malformed route lines: expected 2 problems, got {bad_lines}")

    if not resolve({"a": {"b/c": {"d~e": [1, {"f": 2}]}}}, "#/a/b~1c/d~0e/1/f"):
        failures.append("JSON pointer escapes (~0, ~1) and array indexes are not resolved")

    if failures:
        for failure in failures:
            print(f"openapi check self-test: FAIL {failure}", file=sys.stderr)
        return 1
    print("openapi check self-test: ok (passes a complete document; fails a missing route, an extra operation, "
          "other placeholder names, an invalid document, a duplicate or missing operationId, a dangling or external "
          "$ref, no paths and no routes)")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Check an OpenAPI 3.1 document against the router's routes.")
    parser.add_argument("--self-test", action="store_true", help="check the checker with in-memory documents")
    parser.add_argument("document", nargs="?", type=pathlib.Path, help="the OpenAPI YAML (Sources/HTTPAPI/openapi.yaml)")
    parser.add_argument("routes", nargs="?", type=pathlib.Path, help="the routes, one 'METHOD /path' a line")
    args = parser.parse_args(argv)
    if args.self_test:
        if args.document or args.routes:
            parser.error("--self-test takes no files")
        return self_test()
    if not args.document or not args.routes:
        parser.error("give OPENAPI.yaml and ROUTES.txt (or --self-test)")
    return run(args.document, args.routes)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
