#!/usr/bin/env python3
"""Checks Marquee's OpenAPI document against the routes the router registers.

Usage:
    python3 Tests/openapi_check.py OPENAPI.yaml ROUTES.txt [--scopes SCOPES.json]
    python3 Tests/openapi_check.py --operations OPENAPI.yaml
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
- the document has at least one path, and the route list at least one route;
- every operation names what it needs in `x-marquee-scope`: a scope, `admin`, `session`,
  `public` or `client` (anything else, or nothing, is a problem), and its `security` says the
  same: `[{bearerAuth: [S]}, {oauth2: [S]}]` for a scope S, `[{bearerAuth: [admin]}]` for
  `admin`, `[{bearerAuth: []}]` for `session`, no scoped requirement for `public`, and
  `clientBasic` for `client`; operations that need a scope, `admin` or a session document a
  `403`;
- the `oauth2` security scheme has the authorization code flow (`/oauth/authorize`,
  `/oauth/token`) and the client credentials flow (`/oauth/token`), each listing every scope.
  With `--scopes SCOPES.json` (a JSON object: scope name -> `Scope.summary`, written by the
  Swift test from `Scope.allCases`) the scopes and their descriptions must be exactly those;
  without it the authorization code flow's scopes are taken as the known ones.

Operations mode prints a JSON list of `{"method", "path", "scope"}` (the `x-marquee-scope`,
null when missing) for every operation; Tests/MarqueeAppTests/ScopeEnforcementTests.swift
reads it to probe each route.

Every problem found is reported (not only the first); the exit status is 1 when there is any,
0 otherwise, with "openapi check: N operations, all M routes documented".

Self-test mode builds small documents in memory and proves the check passes a good one and
fails a document missing a route, one with an extra operation, an invalid one, one with a
duplicate operationId, one with a dangling $ref, one without paths, and documents whose
`x-marquee-scope`, `security` or `oauth2` scopes are missing, unknown or disagree.

Needs PyPI `PyYAML` and `openapi-spec-validator` >= 0.7 (`make python-deps`).
"""
from __future__ import annotations

import argparse
import copy
import json
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
# `x-marquee-scope` values besides the scopes themselves (`admin` is also a scope).
SCOPE_KINDS = ("admin", "session", "public", "client")
OAUTH_FLOWS = {
    "authorizationCode": {"authorizationUrl": "/oauth/authorize", "tokenUrl": "/oauth/token"},
    "clientCredentials": {"tokenUrl": "/oauth/token"},
}
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


def oauth2_errors(document: dict, known: dict[str, str] | None) -> tuple[list[str], set[str]]:
    """Problems of the `oauth2` security scheme, and the scope names operations may use."""
    errors: list[str] = []
    components = document.get("components") if isinstance(document.get("components"), dict) else {}
    schemes = components.get("securitySchemes") if isinstance(components.get("securitySchemes"), dict) else {}
    bearer = schemes.get("bearerAuth")
    if not isinstance(bearer, dict) or bearer.get("type") != "http" or str(bearer.get("scheme", "")).lower() != "bearer":
        errors.append("components.securitySchemes.bearerAuth must be an http bearer scheme")
    oauth = schemes.get("oauth2")
    flow_scopes: dict[str, Any] = {}
    if not isinstance(oauth, dict) or oauth.get("type") != "oauth2":
        errors.append("components.securitySchemes.oauth2 must be an oauth2 scheme")
    else:
        flows = oauth.get("flows") if isinstance(oauth.get("flows"), dict) else {}
        for name, urls in OAUTH_FLOWS.items():
            flow = flows.get(name)
            if not isinstance(flow, dict):
                errors.append(f"the oauth2 scheme has no {name} flow")
                continue
            for key, value in urls.items():
                if flow.get(key) != value:
                    errors.append(f"the oauth2 {name} flow's {key} is {flow.get(key)!r}, expected {value!r}")
            scopes = flow.get("scopes") if isinstance(flow.get("scopes"), dict) else {}
            if name == "authorizationCode":
                flow_scopes = scopes
            if known is not None:
                for scope in sorted(set(known) - set(scopes)):
                    errors.append(f"the oauth2 {name} flow does not list the scope '{scope}'")
                for scope in sorted(set(scopes) - set(known)):
                    errors.append(f"the oauth2 {name} flow lists '{scope}', which is not a scope")
                for scope in sorted(set(known) & set(scopes)):
                    if scopes[scope] != known[scope]:
                        errors.append(f"the oauth2 {name} flow describes '{scope}' as {scopes[scope]!r}, "
                                      f"but Scope.summary is {known[scope]!r}")
            elif name != "authorizationCode" and set(scopes) != set(flow_scopes):
                errors.append(f"the oauth2 {name} flow lists other scopes than the authorizationCode flow")
    names = set(known) if known is not None else {str(name) for name in flow_scopes}
    if not names:
        errors.append("no scopes are known: the oauth2 scheme lists none and no --scopes file was given")
    return errors, names


def canonical(requirements: Any) -> Any:
    """A security requirement list as a comparable value (order of requirements ignored)."""
    if not isinstance(requirements, list):
        return None
    return sorted(json.dumps(item, sort_keys=True) for item in requirements)


def expected_security(scope: str, names: set[str]) -> list[dict] | None:
    """The exact `security` an operation with this `x-marquee-scope` must declare (None: see public/client)."""
    if scope == "admin":
        return [{"bearerAuth": ["admin"]}]
    if scope == "session":
        return [{"bearerAuth": []}]
    if scope in names:
        return [{"bearerAuth": [scope]}, {"oauth2": [scope]}]
    return None


def scope_errors(document: dict, known: dict[str, str] | None) -> list[str]:
    """`x-marquee-scope` on every operation, agreeing with its `security`, and the oauth2 scheme."""
    errors, names = oauth2_errors(document, known)
    for method, path, operation in operations(document):
        where = f"{method} {path}"
        scope = operation.get("x-marquee-scope")
        if scope is None:
            errors.append(f"operation {where} has no x-marquee-scope")
            continue
        if not isinstance(scope, str) or (scope not in names and scope not in SCOPE_KINDS):
            errors.append(f"operation {where} has x-marquee-scope {scope!r}, which is neither a scope nor one of "
                          f"{', '.join(SCOPE_KINDS)}")
            continue
        security = operation.get("security")
        if not isinstance(security, list):
            errors.append(f"operation {where} ({scope}) has no security list")
            continue
        expected = expected_security(scope, names)
        if expected is not None:
            if canonical(security) != canonical(expected):
                errors.append(f"operation {where} needs {scope!r} but its security is {security}, expected {expected}")
            responses = operation.get("responses") if isinstance(operation.get("responses"), dict) else {}
            if "403" not in {str(code) for code in responses}:
                errors.append(f"operation {where} needs {scope!r} but documents no 403")
        elif scope == "public":
            for requirement in security:
                if not isinstance(requirement, dict) or "oauth2" in requirement or "clientBasic" in requirement or \
                        requirement.get("bearerAuth", []) != []:
                    errors.append(f"operation {where} is public but its security requires {requirement}")
        elif scope == "client":
            if {"clientBasic": []} not in security:
                errors.append(f"operation {where} authenticates the client but its security lacks clientBasic")
            for requirement in security:
                if isinstance(requirement, dict) and ("oauth2" in requirement or "bearerAuth" in requirement):
                    errors.append(f"operation {where} authenticates the client but its security requires {requirement}")
    return errors


def declared_scopes(document: Any) -> list[dict]:
    """Every operation's method, path and `x-marquee-scope` (None when missing)."""
    if not isinstance(document, dict):
        return []
    return [{"method": method, "path": path, "scope": operation.get("x-marquee-scope")}
            for method, path, operation in operations(document)]


def check(document: Any, routes: list[tuple[str, str]], known: dict[str, str] | None = None) -> tuple[list[str], int]:
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
    errors += scope_errors(document, known)
    return errors, count


def load_scopes(path: pathlib.Path) -> dict[str, str]:
    """The `--scopes` file: a JSON object from scope name to its summary."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CheckFailed(f"cannot read the scopes {path}: {error}") from error
    if not isinstance(value, dict) or not value or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise CheckFailed(f"{path} must be a non-empty JSON object of scope name -> summary")
    return value


def run(document_path: pathlib.Path, routes_path: pathlib.Path, scopes_path: pathlib.Path | None = None) -> int:
    try:
        document = load_document(document_path)
        try:
            route_text = routes_path.read_text(encoding="utf-8")
        except OSError as error:
            raise CheckFailed(f"cannot read {routes_path}: {error}") from error
        known = load_scopes(scopes_path) if scopes_path else None
    except CheckFailed as error:
        print(f"openapi check: {error}", file=sys.stderr)
        return 1
    routes, route_errors = parse_routes(route_text, str(routes_path))
    errors, count = check(document, routes, known)
    errors = route_errors + errors
    if errors:
        for error in errors:
            print(f"openapi check: {error}", file=sys.stderr)
        print(f"openapi check: FAILED with {len(errors)} problem(s) in {document_path}", file=sys.stderr)
        return 1
    print(f"openapi check: {count} operations, all {len(routes)} routes documented, each with its x-marquee-scope")
    return 0


def list_operations(document_path: pathlib.Path) -> int:
    try:
        document = load_document(document_path)
    except CheckFailed as error:
        print(f"openapi check: {error}", file=sys.stderr)
        return 1
    print(json.dumps(declared_scopes(document), indent=1))
    return 0


# ---------------------------------------------------------------------------- self-test

SAMPLE_SCOPES = {"channels:write": "Change your channels", "admin": "Act as an administrator"}


def sample_document() -> dict:
    problem = {"$ref": "#/components/responses/NotFound"}
    flows = {
        "authorizationCode": {"authorizationUrl": "/oauth/authorize", "tokenUrl": "/oauth/token", "scopes": dict(SAMPLE_SCOPES)},
        "clientCredentials": {"tokenUrl": "/oauth/token", "scopes": dict(SAMPLE_SCOPES)},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "sample", "version": "1"},
        "paths": {
            "/healthz": {"get": {"operationId": "getHealth", "x-marquee-scope": "public", "security": [],
                                 "responses": {"200": {"description": "ok"}}}},
            "/api/v1/channels/{slug}": {
                "parameters": [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}],
                "get": {
                    "operationId": "getChannel",
                    "x-marquee-scope": "public",
                    "security": [{}, {"bearerAuth": []}],
                    "responses": {
                        "200": {"description": "the channel", "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/Channel"}}}},
                        "404": problem,
                    },
                },
                "patch": {"operationId": "updateChannel", "x-marquee-scope": "channels:write",
                          "security": [{"bearerAuth": ["channels:write"]}, {"oauth2": ["channels:write"]}],
                          "responses": {"200": {"description": "changed"}, "403": {"description": "no scope"}, "404": problem}},
            },
        },
        "components": {
            "schemas": {"Channel": {"type": "object", "properties": {"slug": {"type": "string"}}}},
            "responses": {"NotFound": {"description": "not found"}},
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                "oauth2": {"type": "oauth2", "flows": flows},
                "clientBasic": {"type": "http", "scheme": "basic"},
            },
        },
    }


SAMPLE_ROUTES = "GET /healthz\nGET /api/v1/channels/{slug}\nPATCH /api/v1/channels/:slug\n"


def self_test() -> int:
    routes, route_errors = parse_routes(SAMPLE_ROUTES)
    failures: list[str] = []

    def expect(name: str, document: Any, route_list: list[tuple[str, str]], should_pass: bool, needle: str = "",
               known: dict[str, str] | None = SAMPLE_SCOPES) -> None:
        errors, _ = check(document, route_list, known)
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

    patch_of = lambda document: document["paths"]["/api/v1/channels/{slug}"]["patch"]  # noqa: E731
    flows_of = lambda document: document["components"]["securitySchemes"]["oauth2"]["flows"]  # noqa: E731

    expect("the scopes taken from the oauth2 scheme", sample_document(), routes, True, known=None)

    unscoped = sample_document()
    del patch_of(unscoped)["x-marquee-scope"]
    expect("an operation without x-marquee-scope", unscoped, routes, False, "PATCH /api/v1/channels/{slug} has no x-marquee-scope")

    unknown = sample_document()
    patch_of(unknown)["x-marquee-scope"] = "channels:destroy"
    expect("an unknown x-marquee-scope", unknown, routes, False, "'channels:destroy', which is neither a scope")
    expect("a scope the oauth2 scheme does not list (no --scopes)", unknown, routes, False, "neither a scope", known=None)

    mismatched = sample_document()
    patch_of(mismatched)["security"] = [{"bearerAuth": ["admin"]}, {"oauth2": ["admin"]}]
    expect("security naming another scope", mismatched, routes, False, "needs 'channels:write' but its security is")

    unsecured = sample_document()
    del patch_of(unsecured)["security"]
    expect("a scoped operation without security", unsecured, routes, False, "has no security list")

    no403 = sample_document()
    del patch_of(no403)["responses"]["403"]
    expect("a scoped operation without a 403", no403, routes, False, "documents no 403")

    as_admin = sample_document()
    patch_of(as_admin)["x-marquee-scope"] = "admin"
    patch_of(as_admin)["security"] = [{"bearerAuth": ["admin"]}]
    expect("an admin operation", as_admin, routes, True)
    patch_of(as_admin)["security"] = [{"bearerAuth": ["admin"]}, {"oauth2": ["admin"]}]
    expect("an admin operation open to OAuth apps", as_admin, routes, False, "needs 'admin' but its security is")

    as_session = sample_document()
    patch_of(as_session)["x-marquee-scope"] = "session"
    patch_of(as_session)["security"] = [{"bearerAuth": []}]
    expect("a session operation", as_session, routes, True)
    patch_of(as_session)["security"] = [{"bearerAuth": []}, {"oauth2": []}]
    expect("a session operation open to OAuth apps", as_session, routes, False, "needs 'session' but its security is")

    scoped_public = sample_document()
    scoped_public["paths"]["/healthz"]["get"]["security"] = [{"oauth2": ["channels:write"]}]
    expect("a public operation requiring a scope", scoped_public, routes, False, "GET /healthz is public but")

    as_client = sample_document()
    as_client["paths"]["/healthz"]["get"]["x-marquee-scope"] = "client"
    as_client["paths"]["/healthz"]["get"]["security"] = [{"clientBasic": []}, {}]
    expect("a client-authenticated operation", as_client, routes, True)
    as_client["paths"]["/healthz"]["get"]["security"] = [{"bearerAuth": []}]
    expect("a client operation without clientBasic", as_client, routes, False, "lacks clientBasic")

    missing_scope = sample_document()
    del flows_of(missing_scope)["clientCredentials"]["scopes"]["admin"]
    expect("an oauth2 flow missing a scope", missing_scope, routes, False, "clientCredentials flow does not list the scope 'admin'")
    expect("oauth2 flows listing different scopes (no --scopes)", missing_scope, routes, False, "other scopes", known=None)

    extra_scope = sample_document()
    flows_of(extra_scope)["authorizationCode"]["scopes"]["chat:shout"] = "Shout"
    expect("an oauth2 flow listing a non-scope", extra_scope, routes, False, "lists 'chat:shout', which is not a scope")

    reworded = sample_document()
    flows_of(reworded)["authorizationCode"]["scopes"]["admin"] = "Do anything"
    expect("a scope described unlike Scope.summary", reworded, routes, False, "but Scope.summary is 'Act as an administrator'")

    no_flow = sample_document()
    del flows_of(no_flow)["clientCredentials"]
    expect("an oauth2 scheme without the client credentials flow", no_flow, routes, False, "no clientCredentials flow")

    wrong_url = sample_document()
    flows_of(wrong_url)["authorizationCode"]["tokenUrl"] = "/token"
    expect("a wrong token URL", wrong_url, routes, False, "tokenUrl is '/token'")

    no_oauth = sample_document()
    del no_oauth["components"]["securitySchemes"]["oauth2"]
    expect("a document without the oauth2 scheme", no_oauth, routes, False, "must be an oauth2 scheme")

    listed = {(item["method"], item["path"], item["scope"]) for item in declared_scopes(unscoped)}
    if listed != {("GET", "/healthz", "public"), ("GET", "/api/v1/channels/{slug}", "public"),
                  ("PATCH", "/api/v1/channels/{slug}", None)}:
        failures.append(f"declared_scopes: {listed}")

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
          "$ref, no paths and no routes, a missing or unknown x-marquee-scope, security that disagrees with it, a "
          "scoped operation without 403, and oauth2 flows missing, adding or rewording a scope)")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Check an OpenAPI 3.1 document against the router's routes.")
    parser.add_argument("--self-test", action="store_true", help="check the checker with in-memory documents")
    parser.add_argument("--operations", action="store_true",
                        help="print every operation's method, path and x-marquee-scope as JSON (only OPENAPI.yaml)")
    parser.add_argument("--scopes", type=pathlib.Path, help="JSON object of every scope name -> Scope.summary")
    parser.add_argument("document", nargs="?", type=pathlib.Path, help="the OpenAPI YAML (Sources/HTTPAPI/openapi.yaml)")
    parser.add_argument("routes", nargs="?", type=pathlib.Path, help="the routes, one 'METHOD /path' a line")
    args = parser.parse_args(argv)
    if args.self_test:
        if args.document or args.routes or args.operations or args.scopes:
            parser.error("--self-test takes no files")
        return self_test()
    if args.operations:
        if not args.document or args.routes or args.scopes:
            parser.error("--operations takes OPENAPI.yaml only")
        return list_operations(args.document)
    if not args.document or not args.routes:
        parser.error("give OPENAPI.yaml and ROUTES.txt (or --operations, or --self-test)")
    return run(args.document, args.routes, args.scopes)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
