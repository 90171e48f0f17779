"""Statements and control flow: a function's body run statement by statement, a known
condition deciding its branch and an unknown one running both, loops, ``try``, ``with``, ``match``,
and the names each binds."""

from __future__ import annotations

import builtins
import itertools
from collections.abc import Iterable
from typing import Any

import libcst as cst

from bundler.frontends.python.walk import walk
from bundler.frontends.python.values import (
    UNKNOWN, Builtin, ClassRef, Derived, FunctionRef, Mapping, ModuleRef, SomeInt, Value, absolute_import, binary,
    derive, dotted_name, is_known, is_number, iterate, plain, truth, type_of,
)
from bundler.frontends.python.interpret.dispatch import contiguous
from bundler.frontends.python.interpret.library import library_for
from bundler.frontends.python.interpret.objects import (
    CALLABLE, BoundMethod, Closure, Dispatch, EXTERNAL, Flow, Instance, Lazy, Raised, Repeated, Slice, one_of,
)
from bundler.frontends.python.interpret.syntax import body_statements, freeze, target_names

MAX_LOOP_ITEMS = 10_000
SITES = itertools.count()  # a number for each run of an exclusive choice


PYTHON_BUILTINS = frozenset(dir(builtins))  # what a module-level name not bound reads
NOT_ITERABLE = (int, float, type(None), FunctionRef, ClassRef, ModuleRef, Builtin)


AUGMENTED = {
    cst.AddAssign: cst.Add, cst.SubtractAssign: cst.Subtract, cst.MultiplyAssign: cst.Multiply,
    cst.ModuloAssign: cst.Modulo, cst.FloorDivideAssign: cst.FloorDivide, cst.PowerAssign: cst.Power,
}


def all_of(answers: list[bool | None]) -> bool | None:
    """Every part matches: False if one does not, None if one may not."""
    return False if False in answers else True if all(a is True for a in answers) else None


def merge(first: dict[str, Value], second: dict[str, Value], top_level: bool = False) -> dict[str, Value]:
    """Names after either of two paths ran: kept where both agree, a text derived from both
    where both are texts (or lists of texts), a choice where both are project functions, an
    integer between both where both are integers, else unknown. At a module's top level, a name
    one path leaves unbound (``try: from babel import X`` / ``except ImportError: pass``) has the
    other's value: reading it after that path raises NameError, unless a builtin has its name."""
    merged = {}
    for name in first.keys() | second.keys():
        if top_level and (name in first) != (name in second) and name not in PYTHON_BUILTINS:
            merged[name] = first[name] if name in first else second[name]
            continue
        a, b = first.get(name, UNKNOWN), second.get(name, UNKNOWN)
        if type(a) is type(b) and a == b:
            merged[name] = a
        elif isinstance(a, (str, Derived)) and isinstance(b, (str, Derived)):
            merged[name] = derive(a, b)
        elif isinstance(a, (tuple, Derived)) and isinstance(b, (tuple, Derived)):
            merged[name] = derive(*(v for side in (a, b) for v in (side if isinstance(side, tuple) else (side,))))
            # a list of either's texts, how many unknown
        elif isinstance(a, CALLABLE) and isinstance(b, CALLABLE):
            merged[name] = one_of(a, b)
        elif isinstance(a, (int, SomeInt)) and isinstance(b, (int, SomeInt)) and not isinstance(a, bool) \
                and not isinstance(b, bool):
            merged[name] = SomeInt.spanning(a, b)
        else:
            merged[name] = UNKNOWN
    return merged


_STATEMENTS = {
    cst.Expr: "_expr", cst.Assign: "_assign", cst.AnnAssign: "_ann_assign", cst.AugAssign: "_aug_assign",
    cst.Return: "_return", cst.Raise: "_raise", cst.Assert: "_assert", cst.Break: "_break",
    cst.Continue: "_continue", cst.Del: "_delete", cst.Import: "_import", cst.ImportFrom: "_import_from",
    cst.Pass: "_nothing", cst.Global: "_nothing", cst.Nonlocal: "_nothing",
    cst.If: "_if", cst.For: "_for", cst.While: "_while", cst.Try: "_try", cst.TryStar: "_try", cst.With: "_with",
    cst.Match: "_match", cst.FunctionDef: "_function_def", cst.ClassDef: "_class_def",
}


class Statements:
    """A function's statements, as Python runs them (part of ``Frame``)."""

    def block(self, suite: cst.CSTNode) -> Flow:
        for statement in body_statements(suite):
            flow = self.statement(statement)
            if flow is not Flow.NORMAL:
                return flow  # what follows a return, raise, break or continue does not run
        return Flow.NORMAL

    def statement(self, node: cst.CSTNode) -> Flow:
        kind = type(node)
        if kind is cst.SimpleStatementLine or kind is cst.SimpleStatementSuite:
            return self.block(node)
        handler = _STATEMENTS.get(kind)
        if handler is None:
            return Flow.NORMAL
        try:
            return getattr(self, handler)(node)
        except Raised:
            return Flow.RAISE

    def _expr(self, node: cst.Expr) -> Flow:
        self.evaluate(node.value)
        return Flow.NORMAL

    def _assign(self, node: cst.Assign) -> Flow:
        value = self.evaluate(node.value)
        for target in node.targets:
            self.bind(target.target, value)
        return Flow.NORMAL

    def _ann_assign(self, node: cst.AnnAssign) -> Flow:
        if node.value is not None:
            self.bind(node.target, self.evaluate(node.value))
        return Flow.NORMAL

    def _aug_assign(self, node: cst.AugAssign) -> Flow:
        right = self.evaluate(node.value)
        operator = AUGMENTED.get(type(node.operator))
        if isinstance(node.target, cst.Name) and operator is not None:
            before = self.env.get(node.target.value, UNKNOWN)
            if isinstance(before, (tuple, Mapping)):
                self.forget_aliases(before, node.target.value)  # a list's += changes it in place
            self.env[node.target.value] = binary(operator(), before, right)
        else:
            self.havoc(target_names(node.target))
        return Flow.NORMAL

    def _return(self, node: cst.Return) -> Flow:
        self.returns.append(self.evaluate(node.value) if node.value is not None else None)
        return Flow.RETURN

    def _raise(self, node: cst.Raise) -> Flow:
        if node.exc is not None:
            self.evaluate(node.exc)
        return Flow.RAISE

    def _assert(self, node: cst.Assert) -> Flow:
        holds = truth(self.evaluate(node.test))
        if holds is False:
            return Flow.RAISE
        self.undecided = self.undecided or holds is None  # it may stop the run here
        self.env.update(self.narrowed(node.test, holds=True))
        return Flow.NORMAL

    def narrowed(self, test: cst.BaseExpression, holds: bool) -> dict[str, Value]:
        """The integer a comparison fixes a name to where it is known to hold (after ``assert
        version == CURRENT``, in the body of ``if version == 8:``) or to fail (the rest of ``if
        version != 8: ...``). An unknown value equal to an integer is taken as that integer: a
        float or bool equal to it would format otherwise, which no code that records a version does."""
        if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
            return {}
        comparison = test.comparisons[0]
        if (type(comparison.operator), holds) not in ((cst.Equal, True), (cst.NotEqual, False)):
            return {}
        for name, other in ((test.left, comparison.comparator), (comparison.comparator, test.left)):
            if not isinstance(name, cst.Name) or name.value not in self.env or is_known(self.env[name.value]) \
                    or any(type(n) is cst.Call for n in walk(other)):
                continue
            value = self.evaluate(other)
            if is_number(value) and not isinstance(value, bool) and (self.env[name.value] is UNKNOWN
                                                                      or isinstance(self.env[name.value], SomeInt)):
                return {name.value: value}
        return {}

    def _break(self, _: cst.Break) -> Flow:
        return Flow.BREAK

    def _continue(self, _: cst.Continue) -> Flow:
        return Flow.CONTINUE

    def _delete(self, node: cst.Del) -> Flow:
        targets = [e.value for e in node.target.elements] if isinstance(node.target, (cst.Tuple, cst.List)) \
            else [node.target]
        for target in targets:
            if isinstance(target, cst.Subscript):
                self.delete_item(target)
            else:
                self.havoc(target_names(target))
        return Flow.NORMAL

    def _import(self, node: cst.Import) -> Flow:
        for alias in node.names:
            dotted = dotted_name(alias.name)
            local = alias.asname.name.value if alias.asname else dotted.split(".")[0]  # type: ignore[union-attr]
            found = self.resolver.modules.by_name(dotted if alias.asname else dotted.split(".")[0])
            self.env[local] = ModuleRef(found) if found is not None else library_for(dotted if alias.asname else local) \
                or EXTERNAL
        return Flow.NORMAL

    def _import_from(self, node: cst.ImportFrom) -> Flow:
        source = absolute_import(self.module, node)
        other = self.resolver.modules.by_name(source) if source is not None else None
        if isinstance(node.names, cst.ImportStar):
            return Flow.NORMAL
        for alias in node.names:
            name = dotted_name(alias.name)
            local = alias.asname.name.value if alias.asname else name  # type: ignore[union-attr]
            if other is None:
                self.env[local] = library_for(f"{source}.{name}") or EXTERNAL
            else:
                value = self.resolver.module_name(name, other)
                if value is UNKNOWN and source is not None:
                    sub = self.resolver.modules.by_name(f"{source}.{name}")
                    value = ModuleRef(sub) if sub is not None else UNKNOWN
                self.env[local] = value
        return Flow.NORMAL

    def _nothing(self, _: cst.CSTNode) -> Flow:
        return Flow.NORMAL

    def _if(self, node: cst.If) -> Flow:
        known = truth(self.evaluate(node.test))
        orelse = node.orelse
        if known is True:
            return self.block(node.body)
        if known is False:
            return self._else(orelse)
        for name in self.stops_at_a_gap(node):
            self.env[name] = contiguous(self.env[name])
        return self.either(lambda: self.branch_where(node.test, True, lambda: self.block(node.body)),
                           lambda: self.branch_where(node.test, False, lambda: self._else(orelse)), exclusive=True)

    def branch_where(self, test: cst.BaseExpression, holds: bool, branch: Any) -> Flow:
        """Run a branch with what ``test`` holding (or failing) fixes."""
        self.env.update(self.narrowed(test, holds))
        return branch()

    def stops_at_a_gap(self, node: cst.If) -> list[str]:
        """``if meth is None: break`` on a step looked up by a built name with a default (calibre's
        ``while True`` loop): the loop leaves at the first number without a step, so only the
        run of consecutive steps from the first one can run. The names holding such steps."""
        if not any(isinstance(value, Dispatch) and value.may_be_absent for value in self.env.values()):
            return []  # most conditions: nothing to stop, and no walk of the branches (a fifth of a check's time)
        branches = [node.body, *([node.orelse] if isinstance(node.orelse, cst.Else) else [])]
        if not any(type(n) in (cst.Break, cst.Return) for branch in branches for n in walk(branch)):
            return []
        tested = {n.value for n in walk(node.test) if type(n) is cst.Name}  # type: ignore[attr-defined]
        return [name for name in tested if isinstance(self.env.get(name), Dispatch) and self.env[name].may_be_absent]

    def _else(self, orelse: cst.If | cst.Else | None) -> Flow:
        if orelse is None:
            return Flow.NORMAL
        if isinstance(orelse, cst.If):
            return self._if(orelse)
        return self.block(orelse.body)

    def either(self, *branches: Any, exclusive: bool = False) -> Flow:
        """Run each branch from the same names (all may run); continue with what the branches
        that fall through leave. Branches of which one run takes only one (``if``/``else``,
        ``match``) mark what they record with their site and index, so that two records on
        different branches of one site are never taken to happen in one run."""
        before = dict(self.env)
        flows: list[Flow] = []
        after: dict[str, Value] | None = None
        outer = self.branch
        self.undecided = True
        site = next(SITES) if exclusive and not self.repeating else None
        for index, branch in enumerate(branches):
            self.env = dict(before)
            if site is not None:
                self.branch = (*outer, ("branch", site, index))
            try:
                flow = branch()
            finally:
                self.branch = outer
            flows.append(flow)
            if flow is Flow.NORMAL:
                after = self.env if after is None else merge(after, self.env, self.top_level)
        self.env = after if after is not None else before
        if all(flow is flows[0] for flow in flows):
            return flows[0]
        return Flow.NORMAL

    def _for(self, node: cst.For) -> Flow:
        return self.loop(node, self.evaluate(node.iter))

    def loop(self, node: cst.For, iterable: Value) -> Flow:
        if isinstance(iterable, Dispatch):  # MIGRATIONS[i] with i unknown: a loop over any one of its items
            if not iterable.items:
                return Flow.RAISE  # no item to take: IndexError, KeyError
            return self.either(*[lambda item=item: self.loop(node, item) for _, item in iterable.items])
        if isinstance(iterable, Lazy):
            return self.lazy_loop(node, iterable)
        if isinstance(iterable, Slice):
            return self.either(*[lambda item=item: self.loop_once(node, item) for item in iterable.items],
                               lambda: Flow.NORMAL)
        items = self.loop_items(iterable)
        if items is None:
            return self.unknown_loop(node.body, node.orelse, lambda: self.bind_unread(node.target, iterable))
        for item in items:
            self.bind(node.target, item)
            flow = self.block(node.body)
            if flow is Flow.BREAK:
                return Flow.NORMAL
            if flow in (Flow.RETURN, Flow.RAISE):
                return flow
        return self.block(node.orelse.body) if node.orelse is not None else Flow.NORMAL

    def loop_once(self, node: cst.For, item: Value) -> Flow:
        self.bind(node.target, item)
        flow = self.block(node.body)
        return Flow.NORMAL if flow in (Flow.BREAK, Flow.CONTINUE) else flow

    def loop_items(self, value: Value) -> list[Value] | None:
        items = iterate(value)
        if items is None:
            return None
        listed = []
        for item in items:
            listed.append(item)
            if len(listed) > MAX_LOOP_ITEMS:
                return None
        return listed

    def bind_unread(self, target: cst.BaseExpression, iterable: Value) -> None:
        """A loop target over items that cannot be listed: a piece of a derived text, or unknown."""
        item = iterable if isinstance(iterable, Derived) else iterable.item if isinstance(iterable, Repeated) else UNKNOWN
        for name in target_names(target):
            self.env[name] = item
            if item is UNKNOWN:
                self.unread_items.add(name)

    def unknown_loop(self, body: cst.BaseSuite, orelse: cst.Else | None, bind: Any) -> Flow:
        """A loop that runs an unknown number of times. A first, silent run of the body finds
        what it changes (an accumulator stays a derived text; other changed names become
        unknown); the body then runs once from there, and what follows sees either."""
        before = dict(self.env)
        marks = (len(self.events), len(self.returns), len(self.yields), self.strict)
        self.strict = False
        bind()
        self.block(body)
        effect = (len(self.events), len(self.returns), len(self.yields)) != marks[:3]
        del self.events[marks[0]:], self.returns[marks[1]:], self.yields[marks[2]:]
        self.strict = marks[3]
        widened = merge(before, self.env, self.top_level)
        if effect or any(widened.get(name) != value for name, value in before.items()):
            self.undecided = True  # a loop that changes nothing it finds leaves the run decided
        self.env = dict(widened)
        bind()
        self.repeating += 1  # one run stands for many: its branches may each be taken by another
        try:
            flow = self.block(body)
        finally:
            self.repeating -= 1
        self.env = merge(widened, self.env, self.top_level)
        if flow in (Flow.RETURN, Flow.RAISE) and orelse is None:
            return Flow.NORMAL  # the body may not run at all
        if orelse is not None:
            self.block(orelse.body)
        return Flow.NORMAL

    def _while(self, node: cst.While) -> Flow:
        test = self.evaluate(node.test)
        if truth(test) is False:
            return self.block(node.orelse.body) if node.orelse is not None else Flow.NORMAL
        return self.unknown_loop(node.body, node.orelse, lambda: self.evaluate(node.test))

    def _try(self, node: cst.Try) -> Flow:
        before = dict(self.env)
        flow = self.block(node.body)
        if flow is Flow.NORMAL and node.orelse is not None:
            flow = self.block(node.orelse.body)
        after_body = dict(self.env)
        outcomes = [(flow, after_body)]
        self.undecided = self.undecided or bool(node.handlers)
        for handler in node.handlers:
            self.env = merge(before, after_body, self.top_level)  # the exception may come at any point
            if handler.type is not None:
                self.evaluate(handler.type)
            if handler.name is not None:
                self.havoc(target_names(handler.name.name))
            outcomes.append((self.block(handler.body), dict(self.env)))
        normal = [env for f, env in outcomes if f is Flow.NORMAL]
        self.env = before if not normal else normal[0]
        for env in normal[1:]:
            self.env = merge(self.env, env, self.top_level)
        flows = {f for f, _ in outcomes}
        result = flows.pop() if len(flows) == 1 else Flow.NORMAL
        if node.finalbody is not None:
            final = self.block(node.finalbody.body)
            if final is not Flow.NORMAL:
                return final
        return result

    def _with(self, node: cst.With) -> Flow:
        for item in node.items:
            self.evaluate(item.item)
            if item.asname is not None:
                self.havoc(target_names(item.asname.name))  # type: ignore[arg-type]
        flow = self.block(node.body)
        if flow is Flow.RAISE:
            self.undecided = True  # a context manager may swallow it
            return Flow.NORMAL
        return flow

    def _match(self, node: cst.Match) -> Flow:
        return self.match_cases(self.evaluate(node.subject), tuple(node.cases))

    def match_cases(self, subject: Value, cases: tuple[cst.MatchCase, ...]) -> Flow:
        """Cases tried in order, as Python tries them: the first that matches runs, and only it;
        one that may match (a subject or a guard not known) runs or passes to the rest."""
        if not cases:
            return Flow.NORMAL
        case, rest = cases[0], cases[1:]
        bindings: dict[str, Value] = {}
        matched = self.pattern_matches(case.pattern, subject, bindings)
        if matched is False:
            return self.match_cases(subject, rest)

        def run_case() -> Flow:
            self.env.update(bindings)
            guard = truth(self.evaluate(case.guard)) if case.guard is not None else True
            if guard is False:
                return self.match_cases(subject, rest)
            if guard is None:
                return self.either(lambda: self.block(case.body), lambda: self.match_cases(subject, rest),
                               exclusive=True)
            return self.block(case.body)

        if matched is True:
            return run_case()
        return self.either(run_case, lambda: self.match_cases(subject, rest), exclusive=True)

    def pattern_matches(self, pattern: cst.MatchPattern, subject: Value, bindings: dict[str, Value]) -> bool | None:
        """Whether ``pattern`` matches ``subject`` (None: cannot be known); captures go to ``bindings``."""
        if isinstance(pattern, cst.MatchAs):
            matched = True if pattern.pattern is None else self.pattern_matches(pattern.pattern, subject, bindings)
            if pattern.name is not None and matched is not False:
                bindings[pattern.name.value] = subject
            return matched
        if isinstance(pattern, cst.MatchOr):
            answers = [self.pattern_matches(e.pattern, subject, bindings) for e in pattern.patterns]
            return True if True in answers else False if all(a is False for a in answers) else None
        if isinstance(pattern, (cst.MatchValue, cst.MatchSingleton)):
            value = self.evaluate(pattern.value)
            if not (is_known(subject) and is_known(value)):
                return None
            subject, value = plain(subject), plain(value)
            same = type(subject) is type(value) and subject == value
            return same if isinstance(pattern, cst.MatchSingleton) else subject == value
        if isinstance(pattern, (cst.MatchList, cst.MatchTuple)):
            return self.sequence_matches(pattern, subject, bindings)
        if isinstance(pattern, cst.MatchMapping):
            if not isinstance(subject, Mapping):
                return False if is_known(subject) else None
            answers = []
            for element in pattern.elements:
                key = self.evaluate(element.key)
                if not is_known(key):
                    return None
                if key not in subject.keys():
                    return False
                answers.append(self.pattern_matches(element.pattern, subject.get(key), bindings))
            if pattern.rest is not None:
                bindings[pattern.rest.value] = UNKNOWN
            return all_of(answers)
        if isinstance(pattern, cst.MatchClass):
            is_one = self.isinstance(subject, self.evaluate(pattern.cls))
            if is_one is not True or pattern.kwds or len(pattern.patterns) > 1:
                return False if is_one is False else None
            # int(x), str(x): a builtin type's one positional pattern matches the subject itself
            inner = [self.pattern_matches(e.value, subject, bindings) for e in pattern.patterns]
            return all_of(inner) if not inner or type_of(subject) is not None else None
        return None

    def sequence_matches(self, pattern: cst.MatchList | cst.MatchTuple, subject: Value,
                         bindings: dict[str, Value]) -> bool | None:
        if not isinstance(subject, tuple):
            return False if is_known(subject) or isinstance(subject, Mapping) else None  # a str is no sequence here
        elements = list(pattern.patterns)
        star = next((i for i, e in enumerate(elements) if isinstance(e, cst.MatchStar)), None)
        if star is None and len(subject) != len(elements) or star is not None and len(subject) < len(elements) - 1:
            return False
        if star is None:
            pairs = list(zip(elements, subject))
        else:
            after = len(elements) - star - 1
            pairs = list(zip(elements[:star], subject)) + list(zip(elements[star + 1:], subject[len(subject) - after:]))
            name = elements[star].name  # type: ignore[union-attr]
            if name is not None:
                bindings[name.value] = subject[star:len(subject) - after]
        return all_of([self.pattern_matches(e.value, item, bindings) for e, item in pairs])  # type: ignore[union-attr]

    def _function_def(self, node: cst.FunctionDef) -> Flow:
        """A nested function, with its decorators applied innermost first, as Python applies them.
        One the module's own top-level code defines (in a ``try`` or an ``if``) is a function of
        the module: its names are the module's, read when it runs."""
        function = FunctionRef(self.module, None, node)
        value: Value = function if self.top_level else Closure(function, freeze(self.env))
        for decorator in reversed(node.decorators):
            value = self.decorated(self.evaluate(decorator.decorator), value, decorator.decorator)
        self.env[node.name.value] = value
        return Flow.NORMAL

    def decorated(self, decorator: Value, function: Value, node: cst.BaseExpression) -> Value:
        """What a decorator written in the project returns for ``function``; unknown for others."""
        if isinstance(decorator, FunctionRef) and decorator.class_def is None:
            return self.invoke(decorator, None, [function], {}, node)  # type: ignore[arg-type]
        if isinstance(decorator, Closure):
            return self.invoke(decorator.function, None, [function], {}, node,  # type: ignore[arg-type]
                               captured=dict(decorator.captured))
        if isinstance(decorator, BoundMethod):
            return self.invoke(decorator.function, decorator.receiver, [function], {}, node)  # type: ignore[arg-type]
        return UNKNOWN

    def _class_def(self, node: cst.ClassDef) -> Flow:
        """A class the module's own top-level code defines (in a ``try`` or an ``if``) is a class
        of the module; one a function defines sees that function's names, which are not read."""
        self.env[node.name.value] = ClassRef(self.module, node) if self.top_level else UNKNOWN
        return Flow.NORMAL

    def bind(self, target: cst.BaseExpression, value: Value) -> None:
        if isinstance(value, Lazy) and isinstance(target, (cst.Tuple, cst.List)):
            value = self.consume(value, target)  # unpacking runs it whole
        if isinstance(target, cst.Name):
            self.env[target.value] = value
            self.unread_items.discard(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = list(target.elements)
            starred = any(isinstance(e, cst.StarredElement) for e in elements)
            if isinstance(value, tuple) and not starred and len(value) == len(elements):
                for element, item in zip(elements, value, strict=True):
                    self.bind(element.value, item)
            elif (isinstance(value, tuple) and not starred) or isinstance(value, (*NOT_ITERABLE, BoundMethod)):
                raise Raised("cannot unpack")  # ValueError or TypeError at run time
            else:
                for element in elements:
                    self.bind(element.value, derive(value) if isinstance(value, Derived) else UNKNOWN)
        elif isinstance(target, cst.StarredElement):
            self.bind(target.value, UNKNOWN)
        elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) \
                and isinstance(self.env.get(target.value.value), Instance):
            self.env[f"{target.value.value}.{target.attr.value}"] = value
        elif isinstance(target, cst.Subscript):
            self.set_item(target, value)
        else:
            self.evaluate(target)  # another object's attribute: evaluated, not tracked

    def havoc(self, names: Iterable[str]) -> None:
        for name in names:
            if name in self.env or "." not in name:
                self.env[name] = UNKNOWN
