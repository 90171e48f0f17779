"""Comprehensions and generators: a generator expression runs only as it is consumed, and only
by as much as it is consumed (``any``/``all`` stop early, a ``break`` leaves the rest unmade)."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from bundler.frontends.python.values import UNKNOWN, Value, truth
from bundler.frontends.python.interpret.objects import Flow, Lazy, Raised
from bundler.frontends.python.interpret.syntax import assigned_names

COMPREHENSIONS = frozenset({cst.ListComp, cst.SetComp, cst.DictComp})


class Generators:
    """Comprehensions and generators (part of ``Frame``)."""

    def comprehension(self, node: cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp,
                      first: Value = None) -> Value:
        saved, outer = dict(self.env), self.items_unknown
        self.items_unknown = False
        results: list[Value] = []
        for _ in self.comprehension_runs(node.for_in, first):
            if isinstance(node, cst.DictComp):
                self.evaluate(node.key)
                self.evaluate(node.value)
            else:
                results.append(self.evaluate(node.elt))
        unknown = self.items_unknown or isinstance(node, cst.DictComp)
        self.env, self.items_unknown = saved, outer or self.items_unknown
        return UNKNOWN if unknown else tuple(results)

    def comprehension_runs(self, clause: cst.CompFor, first: Value = None) -> Iterator[None]:
        """One step per item; ``first`` is the outermost iterable when it was evaluated already."""
        items = self.loop_items(self.evaluate(clause.iter) if first is None else first)
        if items is None:
            self.items_unknown = True
            self.bind_unread(clause.target, UNKNOWN)
            yield from self._clause_rest(clause)
            return
        for item in items:
            self.bind(clause.target, item)
            yield from self._clause_rest(clause)

    def _clause_rest(self, clause: cst.CompFor) -> Iterator[None]:
        for condition in clause.ifs:
            if truth(self.evaluate(condition.test)) is False:
                return
        if clause.inner_for_in is not None:
            yield from self.comprehension_runs(clause.inner_for_in)
        else:
            yield None

    def consume(self, value: Value, node: cst.CSTNode) -> Value:
        """A generator consumed whole (``list(...)``, ``*gen``): it runs now; its items."""
        if not isinstance(value, Lazy):
            return value
        if value.frame != id(self):
            return self.foreign_generator(value, node)
        saved = dict(self.env)
        try:
            return self.comprehension(value.node, value.first)
        finally:
            self.env = saved

    def lazy_items(self, lazy: Lazy) -> Iterator[Value]:
        """A generator's items, each computed only when the consumer asks for it."""
        saved, outer = dict(self.env), self.items_unknown
        self.items_unknown = False
        try:
            for _ in self.comprehension_runs(lazy.node.for_in, lazy.first):
                item = self.evaluate(lazy.node.elt)
                yield UNKNOWN if self.items_unknown else item
        finally:
            names = assigned_names([lazy.node.for_in])
            self.env.update({n: saved[n] for n in names if n in saved})  # its loop names are its own
            self.items_unknown = outer

    def lazy_loop(self, node: cst.For, lazy: Lazy) -> Flow:
        """``for x in (f(y) for y in ys)``: each item is made just before the body sees it, and a
        ``break`` leaves the rest unmade, as Python runs it."""
        if lazy.frame != id(self):
            self.foreign_generator(lazy, node)
            return self.unknown_loop(node.body, node.orelse, lambda: self.bind(node.target, UNKNOWN))
        items = self.lazy_items(lazy)
        for item in items:
            self.bind(node.target, item)
            flow = self.block(node.body)
            if flow is Flow.BREAK or flow in (Flow.RETURN, Flow.RAISE):
                items.close()
                return Flow.NORMAL if flow is Flow.BREAK else flow
        return self.block(node.orelse.body) if node.orelse is not None else Flow.NORMAL

    def short_circuit(self, name: str, lazy: Lazy, node: cst.CSTNode) -> Value:
        """``any``/``all`` of a generator: it stops at the first item that decides, as Python does."""
        if lazy.frame != id(self):
            return self.foreign_generator(lazy, node)
        decided = name == "any"
        result: Value = not decided
        items = self.lazy_items(lazy)
        for item in items:
            known = truth(item)
            if known is decided:
                items.close()
                return decided if result is not UNKNOWN else UNKNOWN
            if known is None:
                result = UNKNOWN  # it may have stopped here: the rest may run
        return result

    def foreign_generator(self, lazy: Lazy, node: cst.CSTNode) -> Value:
        """A generator consumed away from the function that made it: followed only when it
        applies nothing."""
        if self.strict and self.lazy_may_record(lazy):
            self.cannot_follow(node, "a generator that applies migrations is consumed outside the function that"
                               " makes it", "consume it where it is made (a for loop or list(...))")
        return UNKNOWN

    def lazy_may_record(self, lazy: Lazy) -> bool:
        marks, strict, saved = len(self.events), self.strict, dict(self.env)
        self.strict = False
        try:
            self.comprehension(lazy.node, lazy.first)
            return len(self.events) > marks
        except Raised:
            return len(self.events) > marks
        finally:
            del self.events[marks:]
            self.strict, self.env = strict, saved

    def spread(self, value: Value) -> Value:
        return self.consume(value, cst.Name("_"))
