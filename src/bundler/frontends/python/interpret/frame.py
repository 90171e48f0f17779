"""One running function: its names, what it has done, what it returns. ``Frame`` puts the
concerns together (statements, resolution, calls, containers changed in place, builtins, the
modelled standard library, dispatch, recording, generators)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import libcst as cst

from bundler.errors import MayRecord
from bundler.frontends.python.records import RecordedVersion
from bundler.frontends.python.values import UNKNOWN, ClassRef, Evaluation, FunctionRef, Value, derive
from bundler.frontends.python.interpret.builtin_calls import BuiltinCalls
from bundler.frontends.python.interpret.calls import Calls
from bundler.frontends.python.interpret.containers import Containers
from bundler.frontends.python.interpret.dispatch import Dispatching
from bundler.frontends.python.interpret.generators import Generators, COMPREHENSIONS
from bundler.frontends.python.interpret.library import LibraryCalls
from bundler.frontends.python.interpret.objects import Event, Flow, Instance, LambdaRef, Lazy, Record
from bundler.frontends.python.interpret.recording import Recording
from bundler.frontends.python.interpret.resolution import Resolution
from bundler.frontends.python.interpret.statements import Statements
from bundler.frontends.python.interpret.syntax import contains_yield, freeze, self_parameter


if TYPE_CHECKING:
    from bundler.frontends.python.interpret.machine import Machine


class Frame(Statements, Resolution, Calls, Containers, BuiltinCalls, LibraryCalls, Dispatching, Recording, Generators,
            Evaluation):
    """One running function: its names, what it has done, what it returns."""

    def __init__(self, machine: Machine, function: FunctionRef, receiver: Instance | ClassRef | None,
                 env: dict[str, Value], strict: bool) -> None:
        super().__init__(machine.resolver, function.module, function.class_def, dict(env))
        self.machine = machine
        self.function = function
        self.receiver = receiver
        self.strict = strict
        self.top_level = machine.is_module_body(function)  # a module's own top-level code
        self.events: list[Event] = []
        self.called: set[int] = set()
        self.returns: list[Value] = []
        self.yields: list[Value] = []
        self.unread_items: set[str] = set()  # loop targets over items that cannot be read
        self.items_unknown = False  # a comprehension being evaluated has items that cannot be read
        self.branch: tuple = ()  # the exclusive branches this point of the run sits in
        self.repeating = 0  # inside a loop body run once for an unknown number of runs
        # whether the run may differ from one Python takes (a branch or a loop it could not
        # decide, an exception caught): then what a generator yields is not known in order
        self.undecided = False
        self.flow = Flow.NORMAL
        self.lambda_site: cst.CSTNode | None = None  # the call of another module's lambda being run
        self.self_name = self_parameter(function) if isinstance(receiver, Instance) else None
        if self.self_name is not None and isinstance(receiver, Instance):
            for name, value in receiver.attributes:
                self.env.setdefault(f"{self.self_name}.{name}", value)

    def self_attributes(self) -> tuple[tuple[str, Value], ...]:
        """The attributes of ``self`` this run knows, by name."""
        if self.self_name is None:
            return ()
        prefix = f"{self.self_name}."
        return tuple(sorted((k[len(prefix):], v) for k, v in self.env.items() if k.startswith(prefix)))

    def start(self) -> Flow:
        self.events.extend(self.machine.declared_records(self.function))
        pattern = self.machine.options.rules.name_pattern
        if pattern is not None:
            match = re.search(pattern, self.function.node.name.value)
            if match and match.group(1).isdigit():
                self.events.append(Record(RecordedVersion(int(match.group(1)), self.function.node,
                                                          "the method's name"), self.function))
        self.flow = self.block(self.function.node.body)
        return self.flow

    def result(self) -> Value:
        if self.yields or contains_yield(self.function.node, self.function.module.text):
            if not self.undecided and self.flow is not Flow.RAISE:
                return tuple(self.yields)  # a generator run as Python runs it: its items, in order
            return derive(*self.yields) if self.yields else UNKNOWN
        values = self.returns or [None]
        first = values[0]
        return first if all(type(v) is type(first) and v == first for v in values) else UNKNOWN

    def evaluate(self, node: cst.BaseExpression) -> Value:
        kind = type(node)
        if kind in COMPREHENSIONS:
            return self.comprehension(node)  # type: ignore[arg-type]
        if kind is cst.NamedExpr:
            value = self.evaluate(node.value)  # type: ignore[attr-defined]
            self.bind(node.target, value)  # type: ignore[attr-defined]
            return value
        if kind is cst.Await:
            return self.evaluate(node.expression)  # type: ignore[attr-defined]
        if kind is cst.Yield:
            value = node.value  # type: ignore[attr-defined]
            if isinstance(value, cst.From):
                items = self.evaluate(value.item)
                if isinstance(items, tuple):
                    self.yields.extend(items)
                else:
                    self.yields.append(items)
                    self.undecided = True  # its items, how many unknown
            else:
                self.yields.append(self.evaluate(value) if value is not None else None)
            return UNKNOWN
        if kind is cst.Lambda:
            return LambdaRef(node, freeze(self.env))  # type: ignore[arg-type]
        if kind is cst.GeneratorExp:
            return Lazy(node, self.evaluate(node.for_in.iter), id(self))  # type: ignore[attr-defined]
        return super().evaluate(node)

    def cannot_follow(self, node: cst.CSTNode, why: str, remedy: str, what: str = "calls") -> None:
        if not self.strict:
            return
        error = MayRecord(
            f"{self.function.name} {what} {self.source(node)}, which cannot be followed ({why}); {remedy},"
            f" or, if it applies no migration, list {self.function.name} in [tool.bundler] records-nothing",
            where=self.where(node))
        error.unread = f"{self.function.module.relpath}:{self.function.name}"
        raise error

    def source(self, node: cst.CSTNode) -> str:
        """The node's code on one line, shortened for a message."""
        text = " ".join(self.module.tree.code_for_node(node).split())
        text = text.replace("( ", "(").replace(" )", ")")
        return text if len(text) <= 120 else text[:117] + "..."

    def where(self, node: cst.CSTNode) -> str:
        return f"{self.module.display}:{self.module.line_of(node)}"
