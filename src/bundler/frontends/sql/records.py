"""Recognising the SQL statements that record a migration's version number, for every front end.

Recognised (design.md §2): an INSERT (plain, ``OR IGNORE``, ``OR REPLACE``...) or ``REPLACE
INTO`` the version table, every row of its VALUES (or the one row of a ``SELECT`` without
``FROM``), with the number as a bound parameter (``?``, ``?NNN``, ``:name``, ``@name``,
``$name``, numbered as SQLite numbers them) or written into the SQL text; every statement of a
script; and ``PRAGMA user_version = N`` when the project stamps versions that way. A new way of
recording a version in SQL is added here; a new way of running SQL, in the front end that reads
the call (``execute``, ``db.prepare(SQL).run(N)``...).

SQL that cannot be read (not a string, a script with unknown parts, a statement whose start or
table is unknown) is a record of an unknown number: the checker stops there rather than guess.
"""

from __future__ import annotations

from typing import Any

from bundler.frontends.sql.text import Token, parenthesised, split_top_level, statements
from bundler.frontends.sql.values import UNKNOWN, Mapping, ParamRef, Prepared, has_hole
from bundler.frozen import frozen

NOT_SQL = (Prepared, int, float, bool, type(None))


@frozen
class RecordedVersion:
    """A number a statement records, or what stands for it when it is not known, and where."""

    value: Any  # an int when resolved; ParamRef when it comes from the caller; else UNKNOWN
    node: Any  # the front end's node of the call, for its location
    detail: str  # what carried the number, for messages


@frozen
class RecordingRules:
    """How the project records a version (its table, PRAGMA user_version, a key/value row), from the configuration."""

    version_table: str = "schema_versions"
    user_version: bool = False  # the project stamps versions with PRAGMA user_version
    name_pattern: str | None = None  # style "naming": a method's name carries its number
    # a key/value version table (``metadata(key, value)``): the key of the row that holds the version
    version_key: str | None = None

    def mentioned_in(self, text: str) -> bool:
        """Whether SQL text can write the version table at all (identifiers are case-insensitive)."""
        lowered = text.lower()
        return self.version_table.lower() in lowered or (self.user_version and "user_version" in lowered)


def versions_in_sql(sql: Any, params: Any, node: Any, rules: RecordingRules,
                    method: str) -> list[RecordedVersion] | None:
    """The numbers SQL records when run by ``method`` (``execute``, ``executemany`` or
    ``executescript``, as the front end names the way it runs) with ``params``; None when it
    records none. ``sql`` is a string (HOLE for unknown parts), else no SQL or unreadable SQL."""
    if not isinstance(sql, str):
        if isinstance(sql, NOT_SQL):
            return None
        return [RecordedVersion(UNKNOWN, node, "SQL text that cannot be read statically")]
    text = sql
    if not has_hole(text) and not rules.mentioned_in(text):
        return None
    if method == "executescript" and has_hole(text):
        return [RecordedVersion(UNKNOWN, node, "a script with parts that are not known statically")]
    found: list[RecordedVersion] = []
    for tokens in statements(text)[: None if method == "executescript" else 1]:
        found += statement_versions(list(tokens), params, node, rules, many=method == "executemany")
    return found or None


def may_record_anywhere(text: str, rules: RecordingRules) -> bool:
    """Whether any statement of a text (with HOLE for unknown parts) may write the version table."""
    if not has_hole(text):
        return rules.mentioned_in(text)
    return any(statement_versions(list(tokens), None, None, rules, many=False) for tokens in statements(text))


def statement_versions(tokens: list[Token], params: Any, node: Any, rules: RecordingRules,
                       *, many: bool) -> list[RecordedVersion]:
    if tokens[0].kind == "hole":
        return [RecordedVersion(UNKNOWN, node, "a statement whose start is not known statically")]
    if rules.user_version and tokens[0].text.upper() == "PRAGMA":
        return pragma_versions(tokens, params, node)
    if tokens[0].is_keyword("UPDATE") and updated_table(tokens, rules):
        if rules.version_key is not None:
            return keyed_update(tokens, params, node, rules.version_key)
        # UPDATE version SET number = ?: a number the row is changed to, often read from the
        # database and advanced; not a record the checker can read (a silent pass otherwise)
        return [RecordedVersion(UNKNOWN, node, "an UPDATE of the version table")]
    start = insert_start(tokens)
    if start is None:
        return []
    index = start + 1
    if index + 1 < len(tokens) and tokens[index].is_keyword("OR"):
        index += 2
    if index >= len(tokens) or not tokens[index].is_keyword("INTO"):
        return []
    index += 1
    if index + 2 < len(tokens) and tokens[index + 1].is_punctuation("."):
        index += 2  # main.schema_versions
    if index >= len(tokens):
        return []
    table = tokens[index]
    if table.kind == "hole":
        return [RecordedVersion(UNKNOWN, node, "an INSERT whose table name is not a constant")]
    if table.text.lower() != rules.version_table.lower():
        return []
    index += 1
    if index + 1 < len(tokens) and tokens[index].is_keyword("AS"):
        index += 2
    columns: list[str] = []
    inside = parenthesised(tokens, index)
    if inside is not None:
        columns = [part[0].text.lower() for part in split_top_level(inside[0]) if part]
        index = inside[1]
    rows = value_rows(tokens, index)
    if rows is None:
        return [RecordedVersion(UNKNOWN, node, "an INSERT whose rows are not a VALUES list")]
    position = columns.index("version") if "version" in columns else 0
    if rules.version_key is not None:  # (key, value): the value of the row whose key is the version's
        return keyed_rows(rows, columns, tokens, params, node, rules.version_key, many)
    indexes = parameter_indexes(tokens)
    if many and not isinstance(params, tuple):
        return [RecordedVersion(UNKNOWN, node, "executemany parameters")]
    row_params = list(params) if many and isinstance(params, tuple) else [params]
    found = []
    for row in rows:
        for bound in row_params:
            if position >= len(row):
                found.append(RecordedVersion(UNKNOWN, node, "a VALUES row without a version column"))
            else:
                found.append(expression_value(row[position], indexes, bound, node))
    return found


KEY_COLUMNS = ("key", "name")
VALUE_COLUMNS = ("value",)


def keyed_rows(rows: list[list[list[Token]]], columns: list[str], tokens: list[Token], params: Any, node: Any,
               key: str, many: bool) -> list[RecordedVersion]:
    """Rows of a key/value version table: a row whose key is ``key`` records its value (a
    number, or a text of one: ``'2'``); other rows record nothing; a key not known may be it."""
    key_at = next((columns.index(c) for c in KEY_COLUMNS if c in columns), 0)
    value_at = next((columns.index(c) for c in VALUE_COLUMNS if c in columns), 1)
    indexes = parameter_indexes(tokens)
    if many and not isinstance(params, tuple):
        return [RecordedVersion(UNKNOWN, node, "executemany parameters")]
    found = []
    for row in rows:
        for bound in (list(params) if many else [params]):
            if max(key_at, value_at) >= len(row):
                found.append(RecordedVersion(UNKNOWN, node, "a row without a key and a value"))
                continue
            named = key_value(row[key_at], indexes, bound, node)
            if named.value == key:
                found.append(as_number(key_value(row[value_at], indexes, bound, node)))
            elif not isinstance(named.value, str):
                found.append(RecordedVersion(UNKNOWN, node, f"a row whose key may be {key!r}: {named.detail}"))
    return found


def keyed_update(tokens: list[Token], params: Any, node: Any, key: str) -> list[RecordedVersion]:
    """``UPDATE metadata SET value = '2' WHERE key = 'db_version'``: the value the version's row
    is set to; an UPDATE the checker cannot read this way may change it to anything."""
    words = [t.text.upper() if t.kind == "keyword" else t.text for t in tokens]
    try:
        at_set, at_where = words.index("SET"), words.index("WHERE")
    except ValueError:
        return [RecordedVersion(UNKNOWN, node, "an UPDATE of the version table")]
    assignment, condition = tokens[at_set + 1:at_where], tokens[at_where + 1:]
    indexes = parameter_indexes(tokens)
    if len(condition) != 3 or condition[1].text != "=" or condition[0].text.lower() not in KEY_COLUMNS \
            or len(assignment) != 3 or assignment[1].text != "=" or assignment[0].text.lower() not in VALUE_COLUMNS:
        return [RecordedVersion(UNKNOWN, node, "an UPDATE of the version table")]
    named = key_value([condition[2]], indexes, params, node)
    if isinstance(named.value, str) and named.value != key:
        return []
    if named.value != key:
        return [RecordedVersion(UNKNOWN, node, f"an UPDATE of a row whose key may be {key!r}")]
    return [as_number(key_value([assignment[2]], indexes, params, node))]


def key_value(expression: list[Token], indexes: dict[int, int], params: Any, node: Any) -> RecordedVersion:
    """An expression of a row: a quoted text as its text, else as ``expression_value`` reads it."""
    if len(expression) == 1 and expression[0].kind == "string":
        text = expression[0].text
        return RecordedVersion(text[1:-1].replace("''", "'") if text[:1] == "'" else text, node, "a text in the SQL")
    return expression_value(expression, indexes, params, node)


def as_number(found: RecordedVersion) -> RecordedVersion:
    """A version kept as text (``'2'``, ``str(VERSION)``) is the number it spells."""
    value = found.value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return RecordedVersion(int(value), found.node, found.detail)
    return found if not isinstance(value, str) else RecordedVersion(UNKNOWN, found.node, f"the text {value!r}")


def updated_table(tokens: list[Token], rules: RecordingRules) -> bool:
    """Whether ``UPDATE [OR ...] [schema.]table`` names the version table."""
    index = 1
    if index + 1 < len(tokens) and tokens[index].is_keyword("OR"):
        index += 2
    if index + 2 < len(tokens) and tokens[index + 1].is_punctuation("."):
        index += 2
    return index < len(tokens) and tokens[index].text.strip('"`[]').lower() == rules.version_table.lower()


def insert_start(tokens: list[Token]) -> int | None:
    """Where an INSERT (or REPLACE) statement's verb is: first, or after a ``WITH`` clause."""
    if tokens[0].is_keyword("INSERT", "REPLACE"):
        return 0
    if not tokens[0].is_keyword("WITH"):
        return None  # a trigger's body inserting into the table records nothing now
    depth = 0
    for index, token in enumerate(tokens):
        depth += token.is_punctuation("(") - token.is_punctuation(")")
        if depth == 0 and token.is_keyword("INSERT", "REPLACE"):
            return index
    return None


def value_rows(tokens: list[Token], index: int) -> list[list[list[Token]]] | None:
    """The rows after ``VALUES`` (each a list of expressions), or a ``SELECT``'s one row."""
    if index < len(tokens) and tokens[index].is_keyword("SELECT"):
        rest = tokens[index + 1:]
        if any(t.is_keyword("FROM", "WHERE", "UNION", "GROUP") for t in rest):
            return None
        return [split_top_level(rest)]
    if index >= len(tokens) or not tokens[index].is_keyword("VALUES"):
        return None
    rows = []
    index += 1
    while True:
        inside = parenthesised(tokens, index)
        if inside is None:
            return rows or None
        rows.append(split_top_level(inside[0]))
        index = inside[1]
        if index < len(tokens) and tokens[index].is_punctuation(","):
            index += 1
        else:
            return rows


def parameter_indexes(tokens: list[Token]) -> dict[int, int]:
    """Each parameter token's index (by identity) as SQLite numbers them: ``?`` takes the next
    number, ``?NNN`` that number, a name the next number the first time it appears."""
    numbering: dict[int, int] = {}
    names: dict[str, int] = {}
    highest = 0
    for token in tokens:
        if token.kind != "parameter":
            continue
        if token.text == "?":
            highest += 1
            number = highest
        elif token.text[0] == "?":
            number = int(token.text[1:])
            highest = max(highest, number)
        elif token.text in names:
            number = names[token.text]
        else:
            highest += 1
            number = names[token.text] = highest
        numbering[id(token)] = number
    return numbering


def expression_value(expression: list[Token], indexes: dict[int, int], params: Any,
                     node: Any) -> RecordedVersion:
    if len(expression) != 1:
        text = " ".join(t.text for t in expression)
        return RecordedVersion(UNKNOWN, node, f"the SQL expression {text!r}")
    token = expression[0]
    if token.kind == "number":
        return RecordedVersion(int(token.text, 0), node, "a number in the SQL text")
    if token.kind == "hole":
        return RecordedVersion(UNKNOWN, node, "a part of the SQL text that is not known statically")
    if token.kind != "parameter":
        return RecordedVersion(UNKNOWN, node, f"the SQL expression {token.text!r}")
    if isinstance(params, ParamRef):
        return RecordedVersion(params, node, "a bound parameter")  # the whole parameter tuple comes from the caller
    if isinstance(params, Mapping) and token.text[0] in ":@$":
        return RecordedVersion(params.get(token.text[1:], UNKNOWN), node, f"the named parameter {token.text}")
    number = indexes[id(token)]
    if isinstance(params, tuple) and number - 1 < len(params):
        return RecordedVersion(params[number - 1], node, "a bound parameter")
    return RecordedVersion(UNKNOWN, node, "a bound parameter")


def pragma_versions(tokens: list[Token], params: Any, node: Any) -> list[RecordedVersion]:
    """``PRAGMA [schema.]user_version = N`` (or ``(N)``); reading it records nothing."""
    index = 1
    if index + 1 < len(tokens) and tokens[index + 1].is_punctuation("."):
        index += 2
    if index >= len(tokens) or tokens[index].text.lower() != "user_version":
        return []
    rest = [t for t in tokens[index + 1:] if not t.is_punctuation("(") and not t.is_punctuation(")")]
    if not rest:
        return []
    if rest[0].text == "=":
        rest = rest[1:]
    indexes = parameter_indexes(rest)
    return [expression_value(rest, indexes, params, node) if rest else
            RecordedVersion(UNKNOWN, node, "PRAGMA user_version")]
