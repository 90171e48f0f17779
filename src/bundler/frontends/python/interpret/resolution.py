"""Names and attributes resolved as Python resolves them: imports (and those the project
lacks), module members and submodules, attributes along the class order, ``super()``, properties."""

from __future__ import annotations

import libcst as cst

from bundler.frontends.python.values import (
    UNKNOWN, ClassRef, Evaluation, FunctionRef, ModuleLambda, ModuleRef, Value, dotted_name, is_known,
)
from bundler.frontends.python.interpret.library import Library, library_for
from bundler.frontends.python.interpret.objects import (
    BoundMethod, Dispatch, EXTERNAL, Instance, LambdaRef, Missing, SuperProxy,
)
from bundler.frontends.python.interpret.syntax import (
    is_classmethod, is_property, is_static, mentions_setattr, self_assignments,
)


class Resolution:
    """What a name or an attribute is (part of ``Frame``)."""

    def _name(self, node: cst.Name) -> Value:
        """As the evaluator reads it; a name it cannot read is either outside the project or an
        import the project lacks."""
        found = module_function(super()._name(node))
        if found is UNKNOWN and node.value not in self.env:
            missing = self._missing_import(node.value)
            if missing is not None:
                return missing
            if not self._defined_in_module(node.value):
                return self._library(node.value) or EXTERNAL
        return found

    def _library(self, name: str) -> Library | None:
        """``pkgutil`` after ``import pkgutil``, ``match`` after ``from re import match``."""
        scope = self.resolver.scope(self.module)
        if name in scope.imported_modules:
            return library_for(scope.imported_modules[name])
        if name in scope.imported_names:
            return library_for(".".join(scope.imported_names[name]))
        return None

    def _missing_import(self, name: str) -> Missing | None:
        """An import from one of the project's packages of something the project does not have."""
        scope = self.resolver.scope(self.module)
        modules = self.resolver.modules
        if name in scope.imported_names:
            source, original = scope.imported_names[name]
            other = modules.by_name(source)
            if other is None:
                return Missing(source) if modules.by_name(source.split(".")[0]) is not None else None
            other_scope = self.resolver.scope(other)
            tables = (other_scope.constants, other_scope.functions, other_scope.classes, other_scope.imported_names,
                      other_scope.imported_modules)
            if not any(original in table for table in tables) and not other_scope.star_imports \
                    and modules.by_name(f"{source}.{original}") is None:
                return Missing(f"{source}.{original}")
        elif name in scope.imported_modules:
            dotted = scope.imported_modules[name]
            if modules.by_name(dotted) is None and modules.by_name(dotted.split(".")[0]) is not None:
                return Missing(dotted)
        return None

    def _defined_in_module(self, name: str) -> bool:
        """Whether a name the resolver cannot evaluate belongs to the project (then it is unknown,
        not outside): a module constant, or an import from one of the project's packages."""
        scope = self.resolver.scope(self.module)
        if any(name in table for table in (scope.constants, scope.functions, scope.classes)):
            return True
        source = scope.imported_names[name][0] if name in scope.imported_names else scope.imported_modules.get(name)
        return source is not None and self.resolver.modules.by_name(source.split(".")[0]) is not None

    def _attribute(self, node: cst.Attribute) -> Value:
        owner_node, attr = node.value, node.attr.value
        if isinstance(owner_node, cst.Name):
            tracked = f"{owner_node.value}.{attr}"
            if tracked in self.env:
                return self.env[tracked]
        return self.member(self.evaluate(owner_node), attr)

    def member(self, owner: Value, attr: str) -> Value:
        if isinstance(owner, Library):
            return owner.member(attr)
        if owner is EXTERNAL or isinstance(owner, Missing):
            return owner
        if isinstance(owner, Dispatch):
            return Dispatch(tuple((n, self.member(item, attr)) for n, item in owner.items))
        if isinstance(owner, ModuleRef):
            value = module_function(self.resolver.module_name(attr, owner.module))
            if value is UNKNOWN and owner.module.dotted:  # a submodule, imported already or not
                submodule = self.resolver.modules.by_name(f"{owner.module.dotted}.{attr}")
                return ModuleRef(submodule) if submodule is not None else UNKNOWN
            return value
        if isinstance(owner, Instance):
            return self.instance_member(owner, attr)
        if isinstance(owner, SuperProxy):
            order = self.resolver.mro(owner.receiver.cls if isinstance(owner.receiver, Instance) else owner.receiver)
            later = order[order.index(owner.after) + 1:] if owner.after in order else ()
            return self.bind_member(self.resolver.class_attribute(owner.after, attr, mro=later), owner.receiver)
        if isinstance(owner, ClassRef):
            value = self.resolver.class_attribute(owner, attr)
            if isinstance(value, FunctionRef) and is_classmethod(value.node):
                return BoundMethod(value, owner)
            if value is UNKNOWN and self.is_imported_from_outside(owner, attr):
                return EXTERNAL
            return value
        return super().member(owner, attr)

    def instance_member(self, instance: Instance, attr: str) -> Value:
        for name, known in instance.attributes:
            if name == attr:
                return known
        value = self.resolver.class_attribute(instance.cls, attr)
        if value is UNKNOWN:
            if self.is_imported_from_outside(instance.cls, attr) \
                    and not self.machine.attribute_assignments(instance.cls).get(attr):
                return EXTERNAL
            return self.instance_attribute(instance.cls, attr)
        return self.bind_member(value, instance)

    def is_imported_from_outside(self, cls: ClassRef, attr: str) -> bool:
        """Whether the class body that binds ``attr`` first along the order binds it to a name its
        module imports from outside the project (``message_class = OrderedDict``, ``codec =
        json``, ``parse = yaml.safe_load``): the same value a function of that module reads."""
        for klass in self.resolver.mro(cls):
            if attr in self.resolver.class_methods(klass.node):
                return False
            expression = self.resolver.class_constants(klass.node).get(attr, False)
            if expression is False:
                continue
            root = expression
            while isinstance(root, cst.Attribute):
                root = root.value
            if not isinstance(root, cst.Name):
                return False
            scope = self.resolver.scope(klass.module)
            name = root.value
            if any(name in table for table in (scope.constants, scope.functions, scope.classes)):
                return False
            source = scope.imported_names[name][0] if name in scope.imported_names else scope.imported_modules.get(name)
            return source is not None and self.resolver.modules.by_name(source.split(".")[0]) is None \
                and library_for(source) is None
        return False

    def bind_member(self, value: Value, receiver: Instance | ClassRef) -> Value:
        if isinstance(value, ModuleLambda) and value.class_def is not None and isinstance(receiver, Instance):
            return LambdaRef(value.node, (), value.module, receiver)  # a method written as a lambda
        if isinstance(value, FunctionRef) and isinstance(receiver, Instance) and is_property(value.node):
            return self.invoke(value, receiver, [], {}, value.node)  # reading a property runs it
        if isinstance(value, FunctionRef) and not is_static(value.node):  # any function a class holds is a method
            if is_classmethod(value.node):
                return BoundMethod(value, receiver.cls if isinstance(receiver, Instance) else receiver)
            return BoundMethod(value, receiver)
        return value

    def instance_attribute(self, cls: ClassRef, attr: str) -> Value:
        """``self.attr`` assigned in the class's methods (not in this run): its value when there
        is exactly one assignment whose value is a constant or a new project object."""
        assignments = self.machine.attribute_assignments(cls).get(attr, [])
        if len(assignments) != 1:
            return UNKNOWN
        klass_module, expression = cls.module, assignments[0]
        if isinstance(expression, cst.Call):
            made = Evaluation(self.resolver, klass_module, None, {}).evaluate(expression.func)
            return Instance(made) if isinstance(made, ClassRef) else UNKNOWN
        value = Evaluation(self.resolver, klass_module, None, {}).evaluate(expression)
        return value if is_known(value) else UNKNOWN

    def is_absent(self, owner: Instance | ClassRef | ModuleRef, name: str) -> bool:
        """Whether Python would certainly raise AttributeError: every class in the order is the
        project's, none defines the name, none can add attributes the checker does not see; or a
        module that neither defines nor imports the name, has no submodule of that name, and
        changes no names the checker does not see (``globals()``, ``setattr``, ``__getattr__``)."""
        if isinstance(owner, ModuleRef):
            scope = self.resolver.scope(owner.module)
            tables = (scope.constants, scope.functions, scope.classes, scope.imported_names, scope.imported_modules)
            dynamic = "globals()" in owner.module.text or "setattr(" in owner.module.text \
                or "__getattr__" in scope.functions or scope.star_imports or owner.module.unreadable
            submodule = owner.module.dotted and self.resolver.modules.by_name(f"{owner.module.dotted}.{name}")
            return not dynamic and not submodule and not any(name in table for table in tables)
        cls = owner.cls if isinstance(owner, Instance) else owner
        order = self.resolver.mro(cls)
        if not self.closed_hierarchy(cls):
            return False  # a base outside the project may have it
        for klass in order:
            if name in self.resolver.class_constants(klass.node):
                return False
            for statement in klass.node.body.body:
                if isinstance(statement, cst.FunctionDef) and (
                        statement.name.value in (name, "__getattr__", "__getattribute__")
                        or name in self_assignments(statement) or mentions_setattr(statement, klass.module.text)):
                    return False
        return True

    def is_class_level(self, owner: Instance | ClassRef, name: str) -> bool:
        """Whether a class in the order binds the name in its body (``step = make_step()``,
        ``run = lambda self: ...`` assigned twice), as opposed to an attribute set on objects."""
        cls = owner.cls if isinstance(owner, Instance) else owner
        return any(name in self.resolver.class_constants(klass.node) for klass in self.resolver.mro(cls))

    def closed_hierarchy(self, cls: ClassRef) -> bool:
        """Whether every class in the order is the project's (no base the checker cannot read)."""
        return all(len(self.resolver.bases(klass)) == len([b for b in klass.node.bases if dotted_name(b.value) != "object"])
                   for klass in self.resolver.mro(cls))

    def super_proxy(self, args: list[Value]) -> Value:
        if len(args) == 2 and isinstance(args[0], ClassRef) and isinstance(args[1], (Instance, ClassRef)):
            return SuperProxy(args[1], args[0])
        if not args and self.receiver is not None and self.function.class_def is not None:
            return SuperProxy(self.receiver, ClassRef(self.function.module, self.function.class_def))
        return UNKNOWN


def module_function(value: Value) -> Value:
    """A lambda bound at a module's top level, as a lambda that runs in its own module."""
    return LambdaRef(value.node, (), value.module) if isinstance(value, ModuleLambda) else value
