"""Recognising the statements that record a migration's version number.

Recognised (design.md §2): ``execute``/``executemany``/``executescript`` of an INSERT (plain,
``OR IGNORE``, ``OR REPLACE``) or ``REPLACE INTO`` the version table, with the number as a
bound parameter (positional ``?``/``?NNN`` or named ``:name``) or written into the SQL text;
prepared statements ``db.prepare(SQL).run(N, ...)``; and ``PRAGMA user_version = N`` when
the project stamps versions that way. A new way of recording a version is added here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst

from bundler.values import HOLE, UNKNOWN, ParamRef, Prepared, Value, text_of

EXECUTE_METHODS = {"execute", "executemany", "executescript"}
PREPARED_RUN_METHODS = {"run", "get", "all", "execute"}


@dataclass(frozen=True)
class RecordedVersion:
    value: Value  # an int when resolved; ParamRef when it comes from the caller; else UNKNOWN
    node: cst.CSTNode
    detail: str  # what carried the number, for messages


@dataclass(frozen=True)
class RecordingRules:
    version_table: str = "schema_versions"
    user_version: bool = False  # the project stamps versions with PRAGMA user_version
    name_pattern: str | None = None  # style "naming": a method's name carries its number

    def insert_pattern(self) -> re.Pattern[str]:
        table = re.escape(self.version_table)
        return re.compile(
            rf"(?:INSERT(?:\s+OR\s+(?:IGNORE|REPLACE|ABORT|FAIL|ROLLBACK))?|REPLACE)\s+INTO\s+"
            rf"(?:main\.)?[\"'`\[]?(?P<table>{table}|{HOLE})[\"'`\]]?\s*"
            rf"(?:\((?P<columns>[^)]*)\))?\s*VALUES\s*(?P<rows>.*)",
            re.IGNORECASE | re.DOTALL,
        )


USER_VERSION = re.compile(rf"PRAGMA\s+(?:main\.)?user_version\s*=\s*(?P<value>[0-9]+|{HOLE}|\?)", re.IGNORECASE)


def recorded_versions(
    call: cst.Call, resolve: Callable[[cst.BaseExpression], Value], rules: RecordingRules
) -> list[RecordedVersion] | None:
    """The numbers ``call`` records, or None when it records none."""
    func = call.func
    if not isinstance(func, cst.Attribute):
        return None
    method = func.attr.value
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    if method in EXECUTE_METHODS and positional:
        sql = text_of(resolve(positional[0]))
        params = resolve(positional[1]) if len(positional) > 1 else None
        return versions_in_sql(sql, params, call, rules, many=method == "executemany")
    if method in PREPARED_RUN_METHODS:
        receiver = resolve(func.value)
        if isinstance(receiver, Prepared):
            arguments = tuple(resolve(a) for a in positional)
            bound = arguments[0] if len(arguments) == 1 and isinstance(arguments[0], dict) else arguments
            return versions_in_sql(text_of(receiver.sql), bound, call, rules, many=False)
    return None


def versions_in_sql(
    sql: str | None, params: Value | None, node: cst.CSTNode, rules: RecordingRules, *, many: bool
) -> list[RecordedVersion] | None:
    if sql is None:
        return None
    if rules.user_version:
        match = USER_VERSION.search(sql)
        if not match:
            return None
        token = match.group("value")
        value = int(token) if token.isdigit() else _positional(params, 0) if token == "?" else UNKNOWN
        return [RecordedVersion(value, node, "PRAGMA user_version")]
    match = rules.insert_pattern().search(sql)
    if not match:
        return None
    if match.group("table") == HOLE:
        return [RecordedVersion(UNKNOWN, node, "an INSERT whose table name is not a constant")]
    columns = [c.strip().strip("\"'`[]").lower() for c in (match.group("columns") or "").split(",") if c.strip()]
    index = columns.index("version") if "version" in columns else 0
    rows_params = list(params) if many and isinstance(params, tuple) else [params]
    if many and not isinstance(params, tuple):
        return [RecordedVersion(UNKNOWN, node, "executemany parameters")]
    found: list[RecordedVersion] = []
    for group in value_groups(match.group("rows")):
        if index >= len(group):
            found.append(RecordedVersion(UNKNOWN, node, "a VALUES row without a version column"))
            continue
        for row in rows_params:
            found.append(version_from_token(group, index, row, node))
    return found or [RecordedVersion(UNKNOWN, node, "an INSERT without a VALUES row")]


def version_from_token(group: list[str], index: int, params: Value | None, node: cst.CSTNode) -> RecordedVersion:
    token = group[index]
    if re.fullmatch(r"[0-9]+", token):
        return RecordedVersion(int(token), node, "a number in the SQL text")
    if token == "?":
        position = sum(1 for t in group[:index] if t == "?")
        return RecordedVersion(_positional(params, position), node, "a bound parameter")
    if re.fullmatch(r"\?[0-9]+", token):
        return RecordedVersion(_positional(params, int(token[1:]) - 1), node, "a bound parameter")
    if re.fullmatch(r"[:@$][A-Za-z_][A-Za-z0-9_]*", token):
        if isinstance(params, dict):
            value = params.get(token[1:], params.get(token, UNKNOWN))
            return RecordedVersion(value, node, f"the named parameter {token}")
        position = sum(1 for t in group[:index] if t[:1] in ":@$?")
        return RecordedVersion(_positional(params, position), node, f"the parameter {token}")
    return RecordedVersion(UNKNOWN, node, f"the SQL expression {token!r}")


def _positional(params: Value | None, position: int) -> Value:
    if isinstance(params, ParamRef):
        return params  # the whole parameter tuple comes from the caller
    if isinstance(params, tuple) and position < len(params):
        return params[position]
    return UNKNOWN


def value_groups(rows: str) -> list[list[str]]:
    """``(28, ?), (29, ?)`` → ``[["28", "?"], ["29", "?"]]``, splitting at top-level commas."""
    groups: list[list[str]] = []
    depth = 0
    current = ""
    tokens: list[str] = []
    quote: str | None = None
    for char in rows:
        if quote:
            current += char
            quote = None if char == quote else quote
            continue
        if char in "'\"":
            quote = char
            current += char
        elif char == "(":
            depth += 1
            if depth > 1:
                current += char
        elif char == ")":
            depth -= 1
            if depth == 0:
                tokens.append(current.strip())
                groups.append(tokens)
                tokens, current = [], ""
            elif depth > 0:
                current += char
            else:
                break
        elif char == "," and depth == 1:
            tokens.append(current.strip())
            current = ""
        elif depth >= 1:
            current += char
        elif char == ";" or (depth == 0 and char.isalpha()):
            break
    return groups
