#!/usr/bin/env python3
"""Validates exported Marquee events against EventSchemas/ (the public event contract).

Usage:
    python3 Tests/schema_check.py EVENTS.jsonl [MORE.jsonl ...]
    python3 Tests/schema_check.py --self-test
    (either form takes --schemas DIR; the default is EventSchemas/ next to Tests/)

Event mode: every non-blank line of every file is one envelope written by
`marquee events export`. The envelope is checked against EventSchemas/envelope.schema.json
and its `data` against EventSchemas/<type>/v<schema>.schema.json. Two rules JSON Schema
cannot state are checked too: the event's `stream` is the one its type belongs to (EVENTS.md,
`DomainEvent.stream`), and gift.sent's creatorTokens + feeTokens equals tokens. The check
fails (exit 1) on any invalid line, on a type or version without a schema file, on an
unreadable file, and on input with no events at all: a check that checks nothing fails.

Self-test mode: every schema file must itself be a valid 2020-12 schema, have
`additionalProperties: false`, a non-empty `required` list naming every property, and
`examples` that validate against it; a copy of the example with an unknown property, or
without any one required property, must be rejected. When Sources/Domain/Core/DomainEvent.swift
is found, every type in `DomainEvent.catalog` must have its schema file.

Needs PyPI `jsonschema` >= 4.18 (`pip install jsonschema`; add `rfc3339-validator` so the
`date-time` format is checked as well as the pattern).

`pattern` is evaluated with ECMA-262 semantics for `$` (end of input only): Python's `re`
would also let `$` match before a final newline, so `"alice\\n"` would pass as a handle.
"""
from __future__ import annotations

import argparse
import copy
import json
import pathlib
import re
import sys
from typing import Any, Iterator

try:
    import jsonschema
    from jsonschema import Draft202012Validator, ValidationError
    from jsonschema.validators import extend
except ImportError:  # pragma: no cover - depends on the machine
    sys.exit("schema_check: needs the PyPI package jsonschema >= 4.18 (pip install jsonschema)")

REPO = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_SCHEMAS = REPO / "EventSchemas"
CATALOG_SOURCE = REPO / "Sources" / "Domain" / "Core" / "DomainEvent.swift"

# Types that split a payment: creatorTokens + feeTokens must equal tokens.
SPLIT_TYPES = {"gift.sent", "minute.billed", "subscription.started", "subscription.renewed"}

# The stream of each type is "<prefix>-<data[field]>" (DomainEvent.stream in Swift).
STREAM_OF_TYPE = {
    "app.registered": ("app", "appId"),
    "app.authorized": ("app", "appId"),
    "app.revoked": ("app", "appId"),
    "access_token.created": ("account", "accountId"),
    "access_token.revoked": ("account", "accountId"),
    "account.registered": ("account", "accountId"),
    "account.role_changed": ("account", "accountId"),
    "account.suspended": ("account", "accountId"),
    "account.reinstated": ("account", "accountId"),
    "channel.created": ("channel", "channelId"),
    "channel.updated": ("channel", "channelId"),
    "channel.stream_key_rotated": ("channel", "channelId"),
    "tokens.granted": ("wallet", "accountId"),
    "gift.sent": ("wallet", "fromAccountId"),
    "tokens.purchased": ("wallet", "accountId"),
    "stream.started": ("channel", "channelId"),
    "stream.ended": ("channel", "channelId"),
    "channel.subscription_tiers_set": ("channel", "channelId"),
    "viewer.joined": ("stream", "streamId"),
    "viewer.disconnected": ("stream", "streamId"),
    "viewer.reconnected": ("stream", "streamId"),
    "viewer.left": ("stream", "streamId"),
    "minute.billed": ("wallet", "viewerId"),
    "billing.stopped": ("wallet", "viewerId"),
    "subscription.started": ("subscription", "subscriptionId"),
    "subscription.renewed": ("subscription", "subscriptionId"),
    "subscription.renewal_failed": ("subscription", "subscriptionId"),
    "subscription.canceled": ("subscription", "subscriptionId"),
    "subscription.expired": ("subscription", "subscriptionId"),
    "payout.requested": ("earnings", "creatorId"),
    "payout.approved": ("earnings", "creatorId"),
    "payout.rejected": ("earnings", "creatorId"),
    "payout.paid": ("earnings", "creatorId"),
    "chat.message_posted": ("chat", "channelId"),
    "chat.message_deleted": ("chat", "channelId"),
    "chat.user_banned": ("chat", "channelId"),
    "chat.user_unbanned": ("chat", "channelId"),
    "chat.settings_changed": ("chat", "channelId"),
    "chat.moderator_added": ("chat", "channelId"),
    "chat.moderator_removed": ("chat", "channelId"),
    "poll.opened": ("poll", "pollId"),
    "poll.voted": ("poll", "pollId"),
    "poll.closed": ("poll", "pollId"),
    "ad.break_started": ("channel", "channelId"),
    "ad.impression": ("channel", "channelId"),
}


# --- validators -----------------------------------------------------------------------------

def _ecma_dollar(pattern: str) -> str:
    """Rewrites every unescaped `$` outside a character class to `\\Z` (end of input)."""
    out, i, in_class = [], 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
        elif ch == "[":
            in_class = True
            # a `]` right after `[` or `[^` is a literal member of the class
            j = i + 1
            if j < len(pattern) and pattern[j] == "^":
                j += 1
            if j < len(pattern) and pattern[j] == "]":
                out.append(pattern[i:j + 1])
                i = j + 1
                continue
        elif ch == "$":
            out.append(r"\Z")
            i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "string"):
        return
    compiled = _PATTERNS.get(pattern)
    if compiled is None:
        compiled = _PATTERNS[pattern] = re.compile(_ecma_dollar(pattern))
    if not compiled.search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


Validator = extend(Draft202012Validator, {"pattern": _pattern})


def make_validator(schema: dict) -> Any:
    return Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def short(message: str, limit: int = 300) -> str:
    """Keeps a failure line readable when the offending value is long (a 500-character reason)."""
    return message if len(message) <= limit else message[:limit] + f"… ({len(message)} characters)"


def json_path(error: ValidationError, root: str = "") -> str:
    parts = [str(p) for p in error.absolute_path]
    return root + ("/" + "/".join(parts) if parts else "") or "/"


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict:
    obj: dict = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f"duplicate key {key!r}")
        obj[key] = value
    return obj


def parse_json(text: str) -> Any:
    """Strict JSON: no NaN/Infinity, no duplicate keys (both would hide a bad export)."""
    return json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant)


def load_schema(path: pathlib.Path) -> dict:
    return parse_json(path.read_text(encoding="utf-8"))


# --- event mode -----------------------------------------------------------------------------

class EventChecker:
    def __init__(self, schemas_dir: pathlib.Path):
        self.schemas_dir = schemas_dir
        self.envelope = make_validator(load_schema(schemas_dir / "envelope.schema.json"))
        self.cache: dict[tuple[str, int], Any] = {}

    def data_validator(self, type_: str, version: int) -> Any | None:
        key = (type_, version)
        if key not in self.cache:
            path = self.schemas_dir / type_ / f"v{version}.schema.json"
            self.cache[key] = make_validator(load_schema(path)) if path.is_file() else None
        return self.cache[key]

    def check(self, event: Any) -> list[tuple[str, str]]:
        """Returns (path, message) for each problem of one envelope; empty when valid."""
        problems = [(json_path(e), e.message) for e in sorted(self.envelope.iter_errors(event), key=lambda e: list(e.absolute_path))]
        if not isinstance(event, dict):
            return problems or [("/", "not a JSON object")]
        type_, version, data = event.get("type"), event.get("schema"), event.get("data")
        if not isinstance(type_, str) or not re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+", type_) \
                or not isinstance(version, int) or isinstance(version, bool) or version < 1:
            return problems  # the envelope errors already say why; no schema file to look up
        validator = self.data_validator(type_, version)
        if validator is None:
            problems.append(("/type", f"no schema for {type_} v{version}: expected "
                                      f"{self.schemas_dir.name}/{type_}/v{version}.schema.json"))
            return problems
        if not isinstance(data, dict):
            return problems
        data_errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
        problems += [(json_path(e, "/data"), e.message) for e in data_errors]
        if not data_errors:
            problems += self.invariants(type_, event, data)
        return problems

    @staticmethod
    def invariants(type_: str, event: dict, data: dict) -> list[tuple[str, str]]:
        problems = []
        if type_ in STREAM_OF_TYPE:
            prefix, field = STREAM_OF_TYPE[type_]
            expected = f"{prefix}-{data[field]}"
            if event.get("stream") != expected:
                problems.append(("/stream", f"{type_} belongs to stream {expected!r}, not {event.get('stream')!r}"))
        if type_.startswith("webhook.endpoint_"):
            # An app's endpoint lives on the app's stream; a personal one (appId null) on app-<ownerId>.
            expected = f"app-{data.get('appId') or data.get('ownerId')}"
            if event.get("stream") != expected:
                problems.append(("/stream", f"{type_} belongs to stream {expected!r}, not {event.get('stream')!r}"))
        if type_ == "ad.created" and event.get("stream") != "ads":
            problems.append(("/stream", f"ad.created belongs to stream 'ads', not {event.get('stream')!r}"))
        if type_ in SPLIT_TYPES and data["creatorTokens"] + data["feeTokens"] != data["tokens"]:
            problems.append(("/data", f"creatorTokens + feeTokens = {data['creatorTokens'] + data['feeTokens']}, "
                                      f"but tokens = {data['tokens']}"))
        return problems


def run_events(files: list[str], schemas_dir: pathlib.Path) -> int:
    try:
        checker = EventChecker(schemas_dir)
    except (OSError, ValueError) as error:
        print(f"FAIL cannot load {schemas_dir / 'envelope.schema.json'}: {error}")
        print("schema check: 0 passed, 1 failed")
        return 1
    passed = failed = 0
    for name in files:
        try:
            handle = open(name, encoding="utf-8")
        except OSError as error:
            print(f"FAIL {name}: cannot read: {error.strerror}")
            failed += 1
            continue
        with handle:
            for line_no, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                where = f"{name}:{line_no}"
                try:
                    event = parse_json(line)
                except ValueError as error:
                    print(f"FAIL {where} seq=? type=? path=/ : not valid JSON: {error}")
                    failed += 1
                    continue
                problems = checker.check(event)
                if problems:
                    failed += 1
                    seq = event.get("seq", "?") if isinstance(event, dict) else "?"
                    type_ = event.get("type", "?") if isinstance(event, dict) else "?"
                    for path, message in problems:
                        print(f"FAIL {where} seq={seq} type={type_} path={path} : {short(message)}")
                else:
                    passed += 1
    if passed + failed == 0:
        print("FAIL no events in the input: a check that checks nothing fails")
    print(f"schema check: {passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


# --- self-test ------------------------------------------------------------------------------

def catalog_types() -> list[tuple[str, int]] | None:
    """(type, schema) pairs of `DomainEvent.catalog`, read from the Swift source if present."""
    if not CATALOG_SOURCE.is_file():
        return None
    source = CATALOG_SOURCE.read_text(encoding="utf-8")
    block = re.search(r"static let catalog[^=]*=\s*\[(.*?)\n\s*\]", source, re.S)
    if not block:
        return None
    return [(t, int(v)) for t, v in re.findall(r'\(\s*"([^"]+)"\s*,\s*(\d+)\s*\)', block.group(1))]


def self_test_schema(path: pathlib.Path, schemas_dir: pathlib.Path) -> list[str]:
    problems: list[str] = []
    try:
        schema = load_schema(path)
    except ValueError as error:
        return [f"not valid JSON: {error}"]
    try:
        Validator.check_schema(schema)
    except jsonschema.SchemaError as error:
        return [f"not a valid 2020-12 schema: {error.message} at {json_path(error)}"]
    if schema.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
        problems.append("$schema is not https://json-schema.org/draft/2020-12/schema")
    relative = path.relative_to(schemas_dir)
    if relative.name != "envelope.schema.json":
        match = re.fullmatch(r"v(\d+)\.schema\.json", relative.name)
        expected_id = f"https://marquee.example/schemas/{relative.parent.as_posix()}/v{match.group(1) if match else '?'}"
        if schema.get("$id") != expected_id:
            problems.append(f"$id is {schema.get('$id')!r}, expected {expected_id!r}")
    for key in ("title", "description"):
        if not isinstance(schema.get(key), str) or not schema[key].strip():
            problems.append(f"missing {key}")
    if schema.get("type") != "object":
        problems.append("type is not object")
    if schema.get("additionalProperties") is not False:
        problems.append("additionalProperties is not false")
    required = schema.get("required")
    properties = schema.get("properties", {})
    if not isinstance(required, list) or not required:
        problems.append("required is missing or empty")
        required = []
    elif set(required) != set(properties):
        problems.append(f"required {sorted(required)} differs from properties {sorted(properties)}")
    examples = schema.get("examples")
    if not isinstance(examples, list) or not examples:
        return problems + ["no examples"]
    validator = make_validator(schema)
    for index, example in enumerate(examples):
        for error in validator.iter_errors(example):
            problems.append(f"examples/{index} is invalid at {json_path(error)}: {error.message}")
        if not isinstance(example, dict):
            continue
        extra = dict(example, unexpectedField=1)
        if validator.is_valid(extra):
            problems.append(f"examples/{index} with an unknown property is accepted")
        for name in required:
            if name in example:
                missing = copy.deepcopy(example)
                del missing[name]
                if validator.is_valid(missing):
                    problems.append(f"examples/{index} without required {name!r} is accepted")
    return problems


def run_self_test(schemas_dir: pathlib.Path) -> int:
    passed = failed = 0
    paths = sorted(schemas_dir.glob("*/v*.schema.json"))
    envelope = schemas_dir / "envelope.schema.json"
    if envelope.is_file():
        paths.insert(0, envelope)
    else:
        print(f"FAIL {envelope}: missing")
        failed += 1
    for path in paths:
        problems = self_test_schema(path, schemas_dir)
        for problem in problems:
            print(f"FAIL {path.relative_to(schemas_dir)}: {problem}")
        if problems:
            failed += 1
        else:
            passed += 1
    catalog = catalog_types()
    if catalog is None:
        print(f"note: {CATALOG_SOURCE} not found or unreadable; catalog coverage not checked")
    else:
        missing = [f"{t}/v{v}.schema.json" for t, v in catalog if not (schemas_dir / t / f"v{v}.schema.json").is_file()]
        for name in missing:
            print(f"FAIL catalog: DomainEvent.catalog has no schema file {name}")
        if missing or not catalog:
            if not catalog:
                print("FAIL catalog: found no entries in DomainEvent.catalog")
            failed += 1
        else:
            passed += 1
    if passed + failed == 0:
        print("FAIL no schemas found: a check that checks nothing fails")
    print(f"schema self-test: {passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Validate exported Marquee events against EventSchemas/.")
    parser.add_argument("files", nargs="*", metavar="EVENTS.jsonl", help="JSON Lines from `marquee events export`")
    parser.add_argument("--self-test", action="store_true", help="check the schemas and their examples instead")
    parser.add_argument("--schemas", type=pathlib.Path, default=DEFAULT_SCHEMAS, help="schema folder (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.self_test:
        if args.files:
            parser.error("--self-test takes no event files")
        return run_self_test(args.schemas)
    if not args.files:
        parser.error("give at least one EVENTS.jsonl file (or --self-test)")
    return run_events(args.files, args.schemas)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
