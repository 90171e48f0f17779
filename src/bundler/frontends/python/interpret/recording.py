"""Recording: a statement that records a version adds its number to the run, or stops the
check when the number cannot be known; a function that applies migrations handed to code outside
the project stops it too."""

from __future__ import annotations

import libcst as cst

from bundler.errors import MayRecord, UnresolvableError
from bundler.frontends.python.records import RecordedVersion
from bundler.frontends.python.values import FunctionRef, Value, is_number
from bundler.frontends.python.interpret.objects import BoundMethod, Closure, LambdaRef, Lazy, Raised, Record
from bundler.frontends.python.interpret.resolution import module_function


class Recording:
    """What the run records (part of ``Frame``)."""

    def record(self, version: RecordedVersion) -> None:
        value = version.value
        if not is_number(value) and self.strict:
            detail = version.detail
            advice = ""
            unread = "SQL" in detail or "script" in detail or "statement" in detail  # it may not record at all
            if unread:
                advice = (f"; if {self.function.name} records no version, list it in [tool.bundler] records-nothing"
                          f" (\"{self.function.module.relpath}:{self.function.name}\")")
            error = (MayRecord if unread else UnresolvableError)(
                f"cannot resolve the version number statically in {self.function.name} ({detail}):"
                f" {self.source(version.node)}{advice}", where=self.where(version.node))
            error.from_parameter = "parameter" in detail
            error.unread = f"{self.function.module.relpath}:{self.function.name}" if unread else None
            raise error
        self.events.append(Record(version, self.function, self.branch, self.lambda_site))

    def check_external_arguments(self, node: cst.Call, values: list[Value]) -> None:
        """A project function handed to code outside the project may be called there: when it
        applies migrations, the checker cannot tell whether it runs."""
        if not self.strict:
            return
        for value in map(module_function, values):
            if isinstance(value, Lazy):
                self.foreign_generator(value, node)
            if isinstance(value, LambdaRef) and self.lambda_may_record(value):
                self.cannot_follow(node, "it hands a lambda that applies migrations to code outside the project",
                                   "call what the lambda calls directly")
            if isinstance(value, (FunctionRef, BoundMethod, Closure)) and self.may_record(value):
                name = value.name if isinstance(value, FunctionRef) else value.function.name
                self.cannot_follow(node, f"it hands {name}, which applies migrations, to code outside the project",
                                   f"call {name} directly")

    def lambda_may_record(self, value: LambdaRef) -> bool:
        marks, strict = len(self.events), self.strict
        self.strict = False
        try:
            self.call_lambda(value, cst.Call(func=cst.Name("_")))
            return len(self.events) > marks
        except Raised:
            return len(self.events) > marks
        finally:
            del self.events[marks:]
            self.strict = strict

    def may_record(self, value: FunctionRef | BoundMethod | Closure) -> bool:
        function = value if isinstance(value, FunctionRef) else value.function
        receiver = value.receiver if isinstance(value, BoundMethod) else None
        return bool(self.machine.probe(function, receiver).events)
