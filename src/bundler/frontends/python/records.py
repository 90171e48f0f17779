"""The Python calls that run SQL: ``execute``/``executemany``/``executescript`` and prepared
statements ``db.prepare(SQL).run(N, ...)``, their SQL read by the shared recognition
(``frontends/sql/records.py``). Python's own values are turned into text here: a template's text,
a text computed from others (``Derived``), which can only record if one of them writes the
version table; functions, classes and modules are no SQL.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from bundler.frontends.python.values import ClassRef, Derived, FunctionRef, ModuleRef, Template, Value
from bundler.frontends.sql import records as shared
from bundler.frontends.sql.records import RecordedVersion, RecordingRules  # noqa: F401 (the front end's names)
from bundler.frontends.sql.values import UNKNOWN, Mapping, Prepared

EXECUTE_METHODS = {"execute", "executemany", "executescript"}
PREPARED_RUN_METHODS = {"run", "get", "all", "execute"}
# the rest of the DB-API's connection and cursor (PEP 249): what an execute returns is a cursor
DB_API_METHODS = {"cursor", "commit", "rollback", "close", "fetchone", "fetchall", "fetchmany"}


def recording_call(method: str, receiver: Value, positional: list[Value], node: cst.CSTNode,
                   rules: RecordingRules) -> list[RecordedVersion] | None:
    """The numbers a call ``receiver.method(*positional)`` records, or None when it records none."""
    if method in EXECUTE_METHODS and positional:
        params = positional[1] if len(positional) > 1 else None
        return versions_in_sql(positional[0], params, node, rules, method)
    if method in PREPARED_RUN_METHODS and isinstance(receiver, Prepared):
        bound: Value = positional[0] if len(positional) == 1 and isinstance(positional[0], Mapping) else tuple(positional)
        return versions_in_sql(receiver.sql, bound, node, rules, "execute")
    return None


def recorded_versions(call: cst.Call, resolve: Callable[[cst.BaseExpression], Value],
                      rules: RecordingRules) -> list[RecordedVersion] | None:
    """``recording_call`` for a call node whose parts ``resolve`` evaluates."""
    if not isinstance(call.func, cst.Attribute):
        return None
    positional = [resolve(a.value) for a in call.args if a.keyword is None and not a.star]
    return recording_call(call.func.attr.value, resolve(call.func.value), positional, call, rules)


def versions_in_sql(sql: Value, params: Value | None, node: cst.CSTNode, rules: RecordingRules,
                    method: str) -> list[RecordedVersion] | None:
    """The shared recognition's answer for a Python value as SQL."""
    if isinstance(sql, Template):
        sql = sql.text
    elif isinstance(sql, (FunctionRef, ClassRef, ModuleRef)):
        return None
    elif isinstance(sql, Derived):
        if not any(shared.may_record_anywhere(source, rules) for source in sql.sources):
            return None
        return [RecordedVersion(UNKNOWN, node, "SQL computed from a text that writes the version table")]
    return shared.versions_in_sql(sql, params, node, rules, method)
