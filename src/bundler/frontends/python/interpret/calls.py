"""Calls: which project function a call runs, with its arguments bound, and what the callee
did, kept in order; calls of what cannot be known stop the check when they may apply migrations."""

from __future__ import annotations

import libcst as cst

from bundler.errors import MayRecord, UnresolvableError
from bundler.frontends.recorders import may_record, vouch_for
from bundler.frontends.python.records import EXECUTE_METHODS, RecordedVersion, recording_call
from bundler.frontends.python.values import (
    UNKNOWN, Builtin, ClassRef, Derived, FunctionRef, Mapping, Matched, ModuleRef, Prepared, StepText, Template, Value,
    text_of, text_method,
)
from bundler.frontends.python.interpret.objects import (
    BoundMethod, CallTrace, Closure, Delegate, Dispatch, EXTERNAL, Instance, LambdaRef, Missing, OneOf, Outcome,
    Raised, SuperProxy,
)
from bundler.frontends.python.interpret.containers import CONTAINER_MUTATORS, is_container
from bundler.frontends.python.interpret.library import Library
from bundler.frontends.python.interpret.resolution import module_function
from bundler.frontends.python.interpret.syntax import changes_parameters, freeze, is_static, parameters, self_parameter


class Calls:
    """Calls of project functions, methods, lambdas and classes (part of ``Frame``)."""

    def _call(self, node: cst.Call) -> Value:
        func = node.func
        if isinstance(func, cst.Attribute):
            owner_node = func.value
            if isinstance(owner_node, cst.Name) and f"{owner_node.value}.{func.attr.value}" in self.env:
                return self.call_value(self.env[f"{owner_node.value}.{func.attr.value}"], node)
            receiver = self.evaluate(owner_node)
            if func.attr.value in CONTAINER_MUTATORS and (is_container(receiver) or isinstance(receiver, Derived)):
                return self.change_in_place(owner_node, receiver, func.attr.value, node)  # type: ignore[arg-type]
            return self.method_call(receiver, func.attr.value, node)
        return self.call_value(self.evaluate(func), node)

    def method_call(self, receiver: Value, method: str, node: cst.Call) -> Value:
        if isinstance(receiver, Library):
            return self.call_value(receiver.member(method), node)
        if isinstance(receiver, Matched):
            positional, _ = self.arguments(node)
            return self.match_method(receiver, method, positional)
        if isinstance(receiver, Missing):
            return self.call_value(receiver, node)
        if isinstance(receiver, Dispatch):
            return self.call_value(self.member(receiver, method), node)
        if method == "import_module" and receiver is EXTERNAL:
            positional, _ = self.arguments(node)
            return self.import_by_template(node, positional or [])
        if isinstance(receiver, Instance) and self.delegates(receiver, method):
            self.arguments(node)
            self.events.append(Delegate(node, self.function, self.branch))
            return UNKNOWN
        if isinstance(receiver, (Instance, ClassRef, ModuleRef, SuperProxy)):
            target = self.member(receiver, method)
            if target is not UNKNOWN:
                return self.call_value(target, node)
            if isinstance(receiver, (Instance, ClassRef)) and self.is_absent(receiver, method):
                self.arguments(node)
                raise Raised(method)  # a method no class in the order defines: AttributeError
            if isinstance(receiver, (Instance, ClassRef)) and self.is_class_level(receiver, method):
                self.arguments(node)
                self.cannot_follow(node, f"the class attribute {method} has a value the checker cannot read",
                                   f"bind {method} once in the class body, to a function or a lambda")
                return UNKNOWN
        if text_of(receiver) is not None or isinstance(receiver, Derived):
            positional, keywords = self.arguments(node)
            return text_method(receiver, method, [self.consume(p, node) for p in positional or []]
                               if positional is not None else None, keywords)
        positional, keywords = self.arguments(node)
        if method in EXECUTE_METHODS and positional and isinstance(positional[0], StepText):
            for number in positional[0].numbers:  # an item of the registry's list of scripts: its number
                self.record(RecordedVersion(number, node, "the registry's number of the script it runs"))
        recorded = recording_call(method, receiver, positional or [], node, self.machine.options.rules)
        if recorded is not None:
            for version in recorded:
                self.record(version)
            return UNKNOWN
        if method == "prepare" and positional:
            return Prepared(positional[0])
        if receiver is UNKNOWN and self.strict and method in self.machine.options.migration_names:
            self.cannot_follow(node, f"the object {self.source(node.func)} is called on cannot be known statically,"
                                     f" and {method} applies migrations elsewhere",
                               "bind it to a project object the checker can read (self.x = Runner(conn))")
        if receiver is UNKNOWN and self.strict and (recorders := self.machine.recorders_of(method)):
            try:
                self.cannot_follow(node, f"the object {self.source(node.func)} is called on cannot be known"
                                         f" statically, and {may_record(recorders)}",
                                   "bind it to a project object the checker can read (self.x = Runner(conn)),"
                                   f" or, {vouch_for(recorders)}")
            except MayRecord as error:  # what records-nothing would vouch for (bundler init asks): the one recorder
                error.unread = recorders[0] if len(recorders) == 1 else error.unread
                raise
        self.check_external_arguments(node, [*(positional or []), *keywords.values()])
        self.hand_over([a.value for a in node.args])
        return UNKNOWN

    def delegates(self, receiver: Instance, method: str) -> bool:
        options = self.machine.options
        return (options.delegation and options.registry_class is not None and receiver.cls == options.registry_class
                and method == options.registry_method)

    def call_value(self, callee: Value, node: cst.Call) -> Value:
        callee = module_function(callee)
        if isinstance(callee, Dispatch):
            results = self.call_each([item for _, item in callee.items], node)
            return Dispatch(tuple((n, r) for (n, _), r in zip(callee.items, results, strict=True)))
        if isinstance(callee, OneOf):
            results = self.call_each(list(callee.choices), node)
            first = results[0]
            return first if all(type(r) is type(first) and r == first for r in results) else UNKNOWN
        if isinstance(callee, Builtin):
            return self.builtin(callee.name, node)
        if isinstance(callee, BoundMethod):
            positional, keywords = self.arguments(node)
            if callee.function.class_def is None and isinstance(callee.receiver, Instance):
                # a module function a class holds (``add_labels = label_table``): the object is its first argument
                given = None if positional is None else [callee.receiver, *positional]
                return self.invoke(callee.function, None, given, keywords, node)
            return self.invoke(callee.function, callee.receiver, positional, keywords, node)
        if isinstance(callee, FunctionRef):
            positional, keywords = self.arguments(node)
            if callee.class_def is not None and not is_static(callee.node) and positional:
                receiver = positional[0]  # Class.method(self, ...)
                if isinstance(receiver, (Instance, ClassRef)):
                    return self.invoke(callee, receiver, positional[1:], keywords, node)
                return self.invoke(callee, None, positional, keywords, node, unbound_self=True)
            return self.invoke(callee, None, positional, keywords, node)
        if isinstance(callee, Closure):
            positional, keywords = self.arguments(node)
            return self.invoke(callee.function, None, positional, keywords, node, captured=dict(callee.captured))
        if isinstance(callee, LambdaRef):
            return self.call_lambda(callee, node)
        if isinstance(callee, ClassRef):
            positional, keywords = self.arguments(node)
            init = self.resolver.class_attribute(callee, "__init__")
            if not isinstance(init, FunctionRef):
                return Instance(callee)
            # The new object keeps what its constructor set on it.
            return Instance(callee, self.run_call(init, Instance(callee), positional, keywords, node).attributes)
        positional, keywords = self.arguments(node)
        if isinstance(callee, Library):
            return self.library_call(callee, positional, keywords)
        if isinstance(callee, Missing):
            self.cannot_follow(node, f"{callee.dotted} is imported from the project but is not in it",
                               "check the import, or the project's source folders")
            return UNKNOWN
        if callee is EXTERNAL or callee is None or isinstance(callee, (str, int, float, tuple, Mapping, Template)):
            self.check_external_arguments(node, [*(positional or []), *keywords.values()])
            self.hand_over([a.value for a in node.args])
            return UNKNOWN
        if isinstance(node.func, cst.Name) and node.func.value in self.unread_items:
            self.cannot_follow(node, f"{node.func.value} is an item of a loop whose items cannot be read",
                               "list the loop's items as a tuple or list literal (or a constant naming one)")
        self.cannot_follow(node, "what it calls cannot be known statically",
                           "call the migration by name (self.m()), or through a name bound to it")
        return UNKNOWN

    def call_each(self, callees: list[Value], node: cst.Call) -> list[Value]:
        """Each of several callees that may be the one called: one that raises does not keep the
        others from running; the call raises only when every one does."""
        results: list[Value] = []
        raised = 0
        for callee in callees:
            try:
                results.append(self.call_value(callee, node))
            except Raised:
                results.append(UNKNOWN)
                raised += 1
        if callees and raised == len(callees):
            raise Raised("every choice raises")
        return results

    def call_lambda(self, callee: LambdaRef, node: cst.Call) -> Value:
        """A lambda's body runs here, with its parameters bound and the names it captured."""
        positional, keywords = self.arguments(node)
        if callee.receiver is not None:
            positional = [callee.receiver, *(positional or [])]
        saved = self.env, self.module, self.class_def, self.lambda_site
        self.env = dict(callee.captured)
        if callee.module is not None:  # its names are its module's; what it records happens at this call
            self.module, self.class_def, self.lambda_site = callee.module, None, self.lambda_site or node
        for index, param in enumerate(parameters(callee.node)):  # type: ignore[arg-type]
            given = positional[index] if positional is not None and index < len(positional) else UNKNOWN
            self.env[param.name.value] = keywords.get(param.name.value, given)
        try:
            return self.evaluate(callee.node.body)
        finally:
            self.env, self.module, self.class_def, self.lambda_site = saved

    def invoke(self, function: FunctionRef, receiver: Instance | ClassRef | None, positional: list[Value] | None,
               keywords: dict[str, Value], node: cst.Call, *, captured: dict[str, Value] | None = None,
               unbound_self: bool = False) -> Value:
        return self.run_call(function, receiver, positional, keywords, node, captured=captured,
                             unbound_self=unbound_self).result

    def run_call(self, function: FunctionRef, receiver: Instance | ClassRef | None, positional: list[Value] | None,
                 keywords: dict[str, Value], node: cst.Call, *, captured: dict[str, Value] | None = None,
                 unbound_self: bool = False) -> Outcome:
        """A call of a project function from here: its arguments bound, what it does kept in
        order, and what it set on an object this run shares with it."""
        if self.machine.is_records_nothing(function):  # vouched for: its body records nothing
            declared = self.machine.declared_records(function)
            if declared:
                self.events.append(CallTrace(function, receiver, node, (), declared, self.branch, self.repeating > 0))
            return Outcome(declared, UNKNOWN)
        options = self.machine.options
        if options.delegation and function == options.registry_entry:
            self.events.append(Delegate(node, self.function, self.branch))  # the registry's entry: everything it applies
            return Outcome((), UNKNOWN)
        env = dict(captured or {})
        env.update(self.bind_arguments(function, receiver, positional, keywords, unbound_self))
        same_object = receiver is not None and receiver is self.env.get(self.self_name or "")
        callee_self = self_parameter(function)
        if same_object and callee_self:  # the same object: the callee sees what this run set on it
            env.update({f"{callee_self}.{name}": v for name, v in self.self_attributes()})
        try:
            outcome = self.machine.run(function, receiver, env, self.strict)
        except UnresolvableError as exc:
            if exc.at_call_site or not any(v is UNKNOWN or v is EXTERNAL for k, v in env.items() if "." not in k):
                raise
            if exc.from_parameter:  # the unknown number is what this call passes: the fix is here
                error = UnresolvableError(
                    f"cannot resolve the version number statically in {self.function.name}: an argument of"
                    f" {self.source(node)} (recorded at {exc.where})", where=self.where(node))
            else:
                error = UnresolvableError(f"{exc.args[0]} (reached from {self.where(node)}: {self.source(node)})")
                error.unread = exc.unread
            error.at_call_site = True
            raise error from None
        if changes_parameters(function.node):
            self.hand_over([a.value for a in node.args])
        self.called.add(id(function.node))
        self.called.update(outcome.called)
        if outcome.events:
            self.events.append(CallTrace(function, receiver, node, freeze(env), outcome.events, self.branch,
                                          self.repeating > 0))
        if same_object and self.self_name:  # and this run sees what the callee set
            self.env.update({f"{self.self_name}.{name}": v for name, v in outcome.attributes})
        if outcome.raises:
            raise Raised(function.name)  # a helper that always raises: what follows the call does not run
        return outcome

    def bind_arguments(self, function: FunctionRef, receiver: Instance | ClassRef | None,
                       positional: list[Value] | None, keywords: dict[str, Value], unbound_self: bool) -> dict[str, Value]:
        params = function.node.params
        ordered = [*params.posonly_params, *params.params]
        env: dict[str, Value] = {}
        if function.class_def is not None and not is_static(function.node) and ordered and not unbound_self:
            env[ordered[0].name.value] = receiver if receiver is not None else UNKNOWN
            ordered = ordered[1:]
        defaults = {p.name.value: self.evaluate(p.default) for p in (*ordered, *params.kwonly_params)
                    if p.default is not None}
        for param in (*ordered, *params.kwonly_params):
            env[param.name.value] = defaults.get(param.name.value, UNKNOWN)
        if isinstance(params.star_arg, cst.Param):
            env[params.star_arg.name.value] = UNKNOWN
        if params.star_kwarg is not None:
            env[params.star_kwarg.name.value] = UNKNOWN
        if positional is None or "**" in keywords:
            return {name: UNKNOWN if name not in env or not isinstance(env[name], (Instance, ClassRef)) else env[name]
                    for name in env}
        for param, value in zip(ordered, positional):
            env[param.name.value] = value
        if isinstance(params.star_arg, cst.Param):
            env[params.star_arg.name.value] = tuple(positional[len(ordered):])
        named = {p.name.value for p in (*ordered, *params.kwonly_params)}
        extra: dict[str, Value] = {}
        for name, value in keywords.items():
            if name in named:
                env[name] = value
            else:
                extra[name] = value
        if params.star_kwarg is not None:
            env[params.star_kwarg.name.value] = Mapping(tuple(extra.items()))
        return env
