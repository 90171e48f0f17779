"""``version-chain``: ``if version < 28: ...`` blocks on the current version (``PRAGMA user_version``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import libcst as cst

from bundler.config import StyleOptions
from bundler.frontends.python.extract import Extractor
from bundler.model import EntrySpec, Location, Migration, MigrationList
from bundler.frontends.python.sources import ParsedModule
from bundler.frontends.python.records import RecordingRules, versions_in_sql
from bundler.frontends.python.styles.common import listing, walk_calls
from bundler.frontends.python.values import is_number
from bundler.frontends.python.walk import children


def migration_list(extractor: Extractor, spec: EntrySpec, options: StyleOptions) -> MigrationList:
    return version_chain(extractor, spec, options)


CHAIN = ("<", "<=", "==")


def version_chain(extractor: Extractor, spec: EntrySpec, options: StyleOptions) -> MigrationList:
    """Each ``if version < N:`` block of the entry (a function, or Class.method) is migration N;
    a ``PRAGMA user_version = M`` inside the block says M instead. Blocks are the chain's own
    ``if``/``elif``s: an ``if`` nested inside a block is part of that step."""
    chain, spans = read_blocks(extractor, spec, options)
    return replace(chain, unrecorded=unrecorded(chain, spans, run_of(extractor, spec)))


def read_blocks(extractor: Extractor, spec: EntrySpec, options: StyleOptions) -> tuple[MigrationList, list[Span]]:
    """The chain as its blocks declare it, and each block's span."""
    module = extractor.module_for(spec)
    entry = extractor.find_entry(spec).node
    name = str(spec).split(":", 1)[1]
    blocks = list(chain_blocks(entry, extractor, module, options))
    migrations = [Migration(f"{name} (if version {operator} {bound})", Location(module.display, module.line_of(block)),
                            (number,))
                  for block, operator, bound, number in blocks]
    chain = listing(module, name, module.line_of(entry), migrations, extractor.modules.origin.label)
    return chain, [spans_of(module, block) for block, *_ in blocks]


Span = tuple[int, int, bool]  # a block's first and last line, and whether it ends in a return


def spans_of(module: ParsedModule, block: cst.If) -> Span:
    return module.line_of(block), module.end_line_of(block), ends_in(block, cst.Return)


def ends_in(block: cst.If, kind: type) -> bool:
    """Whether the block's body ends in a ``return`` (or a ``raise``): nothing after it runs."""
    last = block.body.body[-1] if isinstance(block.body, cst.IndentedBlock) and block.body.body else block.body
    smalls = last.body if isinstance(last, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) else ()
    return bool(smalls) and isinstance(smalls[-1], kind)


def unrecorded(chain: MigrationList, spans: list[Span], ran: MigrationList) -> tuple[Migration, ...]:
    """The steps that, run, record neither their number nor a later one, in a chain that records
    the others itself: after such a step the database still says the number before it (the
    block is read again on every start, and the steps after an ``==`` block never run). A chain
    that records nothing itself leaves its records to its caller (``migrate_schema`` stamping
    each ``_apply_update``): it has none to miss. Code the interpreter cannot read that may
    record (a call it cannot follow, SQL it cannot read) stops the check, as a record whose
    number it cannot read does: the blocks' numbers alone would credit a step that may record
    nothing."""
    if not ran.applied():
        return ()
    records = record_lines(ran, chain)
    return tuple(step for step, span in zip(chain.migrations, spans, strict=True)
                 if not covered(step, span, spans, records))


def run_of(extractor: Extractor, spec: EntrySpec) -> MigrationList:
    """What running the chain's function applies, with the line of each record's call."""
    return extractor.with_call_sites(extractor.migration_list(spec))


def record_lines(ran: MigrationList, chain: MigrationList) -> list[tuple[int | None, int]]:
    """Each record's line in the chain's function (None when it is made elsewhere, where it may
    follow any step) and the greatest number it records."""
    file, first = chain.location.file, chain.location.line
    return [(m.call_site.line if m.call_site is not None and m.call_site.file == file
             and m.call_site.line >= first else None, max(m.versions)) for m in ran.migrations if m.versions]


def covered(step: Migration, span: Span, spans: list[Span], records: list[tuple[int | None, int]]) -> bool:
    """Whether a record of the step's number or a later one is made in the step or after it, before
    the first step from it on that returns (a run through it returns there)."""
    start = span[0]
    limit = min((end for first, end, returns in spans if returns and first >= start), default=None)
    return any(line is None or (start <= line and (limit is None or line <= limit) and number >= step.versions[0])
               for line, number in records)


def copy_path(extractor: Extractor, spec: EntrySpec, options: StyleOptions) -> MigrationList:
    """A store's own copy of a chain, read as it runs: what running it records, and each of its
    blocks that records nothing itself but is followed by a record of its number or a later one
    (its number declared by its block, as in the registry), unless the run records that number
    elsewhere (an ``if version == 0:`` guard around a fresh schema is no step of its own). A
    copy whose run records nothing is read by its blocks."""
    chain, spans = read_blocks(extractor, spec, options)
    ran = run_of(extractor, spec)
    if not ran.applied():
        return chain
    records = record_lines(ran, chain)
    merged = list(ran.migrations)
    for step, (start, end, returns) in zip(chain.migrations, spans, strict=True):
        if covered(step, (start, end, returns), spans, records) and step.versions[0] not in ran.by_version \
                and not any(line is not None and start <= line <= end for line, _ in records):
            after = next((i for i, m in enumerate(merged) if m.call_site is not None and m.call_site.file == step.location.file
                          and m.call_site.line > end), len(merged))
            merged.insert(after, step)
    return replace(ran, migrations=tuple(merged))


OPERATORS = {cst.LessThan: "<", cst.LessThanEqual: "<=", cst.Equal: "=="}


def chain_blocks(entry: cst.CSTNode, extractor: Extractor, module: ParsedModule,
                 options: StyleOptions) -> Iterator[tuple[cst.If, str, int, int]]:
    for node in chain_ifs(entry, extractor, module):
        if ends_in(node, cst.Raise):
            continue  # a block that always raises is no step: a version refused, or a step not written
        comparison = node.test.comparisons[0]  # type: ignore[attr-defined]
        operator = OPERATORS[type(comparison.operator)]
        bound = extractor.resolver.resolve(comparison.comparator, module, {})
        stamped = stamp_in(node.body, extractor, module)
        if stamped is not None:
            number = stamped
        elif operator == "<":
            number = bound  # type: ignore[assignment]
        elif operator == "==" and options.chain_equals == "target":
            number = bound  # type: ignore[assignment]
        else:
            number = bound + 1  # type: ignore[operator]
        yield node, operator, bound, number  # type: ignore[misc]


def is_chain_test(node: cst.If, extractor: Extractor, module: ParsedModule) -> bool:
    test = node.test
    if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1):
        return False
    comparison = test.comparisons[0]
    return type(comparison.operator) in OPERATORS and is_number(
        extractor.resolver.resolve(comparison.comparator, module, {}))


def chain_ifs(node: cst.CSTNode, extractor: Extractor, module: ParsedModule) -> Iterator[cst.If]:
    """The ifs that test the version against a number, not looking inside a step's own body."""
    if isinstance(node, cst.If) and is_chain_test(node, extractor, module):
        yield node
        if node.orelse is not None:
            yield from chain_ifs(node.orelse, extractor, module)
        return
    for child in children(node):
        if not isinstance(child, (cst.FunctionDef, cst.ClassDef)):
            yield from chain_ifs(child, extractor, module)


def stamp_in(block: cst.CSTNode, extractor: Extractor, module: ParsedModule) -> int | None:
    """The number a ``PRAGMA user_version = M`` in the block stamps, read as SQL."""
    rules = RecordingRules(user_version=True)
    for call in walk_calls(block):
        if call.args:
            value = extractor.resolver.resolve(call.args[0].value, module, {})
            found = versions_in_sql(value, None, call, rules, "execute") if isinstance(value, str) else None
            numbers = [r.value for r in found or () if is_number(r.value)]
            if numbers:
                return numbers[-1]  # type: ignore[return-value]
    return None
