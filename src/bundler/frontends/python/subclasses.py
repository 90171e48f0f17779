"""Registration by subclassing: ``class AddTags(Upgrade, version=2)`` puts the class into a
module-level ``UPGRADES`` dict (or list) from ``Upgrade.__init_subclass__``. A class registers
when its module is imported, so what the container holds when a path runs is the subclasses
defined in the modules that path's module imports, directly or through others, in the order
Python runs them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from bundler.errors import UnresolvableError
from bundler.frontends.python.sources import ParsedModule
from bundler.frontends.sql.values import Mapping
from bundler.frozen import frozen

if TYPE_CHECKING:
    from bundler.frontends.python.values import ClassRef, Resolver, Value


@frozen
class Registration:
    """A module-level container a class of the same module fills from ``__init_subclass__``."""

    base: str  # the registering class
    key: str | None  # the ``__init_subclass__`` parameter a dict is keyed by; None: a list appended to


def registrations(tree: cst.Module) -> dict[str, Registration]:
    """``NAME[version] = cls`` or ``NAME.append(cls)`` in a top-level class's ``__init_subclass__``."""
    found: dict[str, Registration] = {}
    for statement in tree.body:
        if not isinstance(statement, cst.ClassDef):
            continue
        hook = next((s for s in statement.body.body if isinstance(s, cst.FunctionDef)
                     and s.name.value == "__init_subclass__"), None)
        params = [p.name.value for p in hook.params.params] if hook is not None else []
        if hook is None or not params or not isinstance(hook.body, cst.IndentedBlock):
            continue
        for line in hook.body.body:
            for small in line.body if isinstance(line, cst.SimpleStatementLine) else ():
                registered = registration_in(small, params[0], params[1:])
                if registered is not None:
                    found[registered[0]] = Registration(statement.name.value, registered[1])
    return found


def registration_in(small: cst.BaseSmallStatement, cls: str, keys: list[str]) -> tuple[str, str | None] | None:
    if isinstance(small, cst.Assign) and len(small.targets) == 1 and is_name(small.value, cls):
        target = small.targets[0].target
        if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name) and len(target.slice) == 1:
            index = target.slice[0].slice
            key = index.value if isinstance(index, cst.Index) else None
            if isinstance(key, cst.Name) and key.value in keys:
                return target.value.value, key.value
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
        call = small.value
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "append" \
                and isinstance(call.func.value, cst.Name) and len(call.args) == 1 and is_name(call.args[0].value, cls):
            return call.func.value.value, None
    return None


def is_name(node: cst.CSTNode, name: str) -> bool:
    return isinstance(node, cst.Name) and node.value == name


def registered(resolver: Resolver, module: ParsedModule, registration: Registration, importer: ParsedModule) -> Value:
    """The container as it stands once ``importer`` is imported: a dict from each key to its
    class, or a list of the classes."""
    from bundler.frontends.python.values import ClassRef

    base = ClassRef(module, resolver.scope(module).classes[registration.base])
    classes = [cls for cls in defined_classes(resolver, importer) if base in resolver.mro(cls)[1:]]
    if registration.key is None:
        return tuple(classes)
    return Mapping(tuple((class_keyword(resolver, cls, registration.key), cls) for cls in classes))


def subclasses(resolver: Resolver, base: ClassRef, modules: list[ParsedModule]) -> list[ClassRef]:
    """The classes of these modules that derive from ``base``, in the order they are defined."""
    from bundler.frontends.python.values import ClassRef

    return [ClassRef(module, node) for module in modules for node in module.tree.body
            if isinstance(node, cst.ClassDef) and base in resolver.mro(ClassRef(module, node))[1:]]


def defined_classes(resolver: Resolver, importer: ParsedModule) -> Iterator[ClassRef]:
    from bundler.frontends.python.values import ClassRef

    for module in import_order(resolver, importer):
        for node in module.tree.body:
            if isinstance(node, cst.ClassDef):
                yield ClassRef(module, node)


def class_keyword(resolver: Resolver, cls: ClassRef, key: str) -> Value:
    """The value a class passes ``__init_subclass__`` for ``key`` (``class AddTags(Upgrade, version=2)``)."""
    from bundler.frontends.python.values import is_known

    argument = next((a for a in cls.node.keywords if a.keyword is not None and a.keyword.value == key), None)
    value = resolver.resolve(argument.value, cls.module, {}) if argument is not None else None
    if argument is None or not is_known(value):
        where = f"{cls.module.display}:{cls.module.line_of(argument or cls.node)}"
        raise UnresolvableError(f"class {cls.node.name.value} registers by subclassing, but its {key}= cannot be read"
                                f" statically: write {key}= as a literal or a constant", where=where)
    return value


def import_order(resolver: Resolver, module: ParsedModule) -> list[ParsedModule]:
    """The project's modules that importing ``module`` runs, each after the modules it imports
    (its packages' ``__init__`` first), ``module`` last."""
    order: list[ParsedModule] = []
    seen: set[int] = set()

    def visit(current: ParsedModule, depth: int) -> None:
        if id(current) in seen or depth > 64:
            return
        seen.add(id(current))
        for dotted in imported_by(current):
            found = resolver.modules.by_name(dotted)
            if found is not None:
                visit(found, depth + 1)
        order.append(current)

    visit(module, 0)
    return order


def imported_by(module: ParsedModule) -> Iterator[str]:
    """Every module name a module's top-level imports run, in order: each package on the way,
    then the module, and for ``from package import name`` the submodule ``package.name`` (when
    there is none, no module by that name is found). Imports under ``if`` (``TYPE_CHECKING``)
    are not counted: they may not run."""
    from bundler.frontends.python.values import absolute_import, dotted_name

    for statement in module.tree.body:
        body = statement.body.body if isinstance(statement, cst.Try) else [statement]
        for line in body:
            for small in line.body if isinstance(line, cst.SimpleStatementLine) else ():
                names: list[str] = []
                if isinstance(small, cst.Import):
                    names = [dotted_name(alias.name) for alias in small.names]
                elif isinstance(small, cst.ImportFrom):
                    source = absolute_import(module, small)
                    if source:
                        names = [source] + ([f"{source}.{dotted_name(alias.name)}" for alias in small.names]
                                            if not isinstance(small.names, cst.ImportStar) else [])
                for dotted in names:
                    parts = dotted.split(".")
                    for end in range(1, len(parts) + 1):
                        yield ".".join(parts[:end])
