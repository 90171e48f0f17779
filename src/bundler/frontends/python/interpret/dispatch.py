"""Dispatch by template: a step looked up by a name built from a number the checker cannot
know (``getattr(self, f"upgrade_{n}")``, ``import_module(f"app.upgrades.db{n}")``) is every
existing name the template fits, by its number."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import libcst as cst

from bundler.frontends.python.sources import ParsedModule
from bundler.frontends.python.values import (
    HOLE, NUMBER_HOLE, UNKNOWN, ClassRef, ModuleRef, Template, Value, text_of, has_hole,
)
from bundler.frontends.python.interpret.objects import Dispatch, EXTERNAL, Instance, Raised


def template_pattern(name: Value) -> re.Pattern[str] | None:
    """``upgrade_\x01`` → ``upgrade_(\\d+)``: a template with exactly one unknown part. A part
    not known to be digits (a value read from the database) fits any text there; the names it
    finds must all carry a number in that place (see ``dispatch``)."""
    text = text_of(name)
    if text is None or text.count(NUMBER_HOLE) + text.count(HOLE) != 1:
        return None
    hole = NUMBER_HOLE if NUMBER_HOLE in text else HOLE
    before, after = text.split(hole)
    return re.compile(re.escape(before) + (r"(\d+)" if hole == NUMBER_HOLE else "(.+)") + re.escape(after))


def submodule_names(module: ParsedModule, modules: Any) -> list[str]:
    """The modules of a package (``upgrades/db43.py`` → ``db43``), as the origin lists them."""
    if not module.relpath.endswith("__init__.py"):
        return []
    folder = module.relpath.rsplit("/", 1)[0] if "/" in module.relpath else ""
    names = modules.origin.list_folder(folder) or []
    return [name[:-3] for name in names if name.endswith(".py") and name != "__init__.py"]


def class_of(owner: Instance | ClassRef) -> ClassRef:
    return owner.cls if isinstance(owner, Instance) else owner


def contiguous(dispatch: Dispatch) -> Dispatch:
    """The steps from the first one up to the first number that has none."""
    run: list[tuple[int, Any]] = []
    for number, item in dispatch.items:
        if run and number != run[-1][0] + 1:
            break
        run.append((number, item))
    return replace(dispatch, items=tuple(run))


class Dispatching:
    """Steps looked up by a built name (part of ``Frame``)."""

    def getattr(self, args: list[Value], node: cst.Call) -> Value:
        owner, name = args[0], args[1]
        if isinstance(name, str):
            value = self.member(owner, name)
            if value is UNKNOWN and isinstance(owner, (Instance, ClassRef, ModuleRef)) and self.is_absent(owner, name):
                if not isinstance(owner, ModuleRef):
                    self.machine.lookups.setdefault(f"{class_of(owner).name}.{name}")
                if len(args) > 2:
                    return args[2]
                raise Raised(name)
            return value
        if isinstance(owner, (Instance, ClassRef, ModuleRef)):
            dispatch = self.dispatch(owner, name)
            if dispatch is not None:
                return replace(dispatch, may_be_absent=len(args) > 2)
            self.cannot_follow(node, "getattr with a name the checker cannot build", "build the name from one"
                               " number (getattr(self, f\"upgrade_{version}\"))", what="calls methods through")
        return UNKNOWN

    def dispatch(self, owner: Instance | ClassRef | ModuleRef, name: Value) -> Dispatch | None:
        """Every member of ``owner`` whose name the template with one unknown number fits."""
        pattern = template_pattern(name)
        if pattern is None:
            return None
        text = text_of(name) or ""
        where = owner.module.dotted if isinstance(owner, ModuleRef) else "self"
        numbers = name.numbers if isinstance(name, Template) else None
        bounded = numbers is not None and (numbers.low is not None or numbers.high is not None)
        built = text.replace(NUMBER_HOLE, '{version}').replace(HOLE, '{version}')
        self.machine.templates.setdefault(f"{where}.{built}", numbers if bounded else None)
        if not isinstance(owner, ModuleRef):
            self.machine.lookups.setdefault(f"{class_of(owner).name}.{built}")
        items = []
        for member in self.member_names(owner):
            match = pattern.fullmatch(member)
            if match:
                if not match.group(1).isdigit():
                    return None  # it may select a step that carries no number
                if isinstance(name, Template) and not name.numbers.admits(int(match.group(1))):
                    continue  # a number the integer formatted there never takes
                items.append((int(match.group(1)), self.member(owner, member)))
        return Dispatch(tuple(sorted(items, key=lambda item: item[0])))

    def member_names(self, owner: Instance | ClassRef | ModuleRef) -> list[str]:
        if isinstance(owner, ModuleRef):
            scope = self.resolver.scope(owner.module)
            names = [*scope.functions, *scope.classes, *scope.constants, *scope.imported_names]
            return names + submodule_names(owner.module, self.resolver.modules)
        cls = class_of(owner)
        names = []
        for klass in self.resolver.mro(cls):
            names += [*self.resolver.class_methods(klass.node), *self.resolver.class_constants(klass.node)]
        return list(dict.fromkeys(names))

    def import_by_template(self, node: cst.Call, args: list[Value], keywords: dict[str, Value] | None = None) -> Value:
        """``import_module(name)`` and ``__import__(name, globals(), locals(), fromlist)``."""
        name = args[0] if args else UNKNOWN
        fromlist = args[3] if len(args) > 3 else (keywords or {}).get("fromlist", ())
        if isinstance(name, str):
            found = self.resolver.modules.by_name(name if fromlist or "__import__" not in self.source(node.func)
                                                 else name.split(".")[0])
            if found is None and self.resolver.modules.by_name(name.split(".")[0]) is not None:
                raise Raised(name)  # a module the project's package does not have: ModuleNotFoundError
            return ModuleRef(found) if found is not None else EXTERNAL
        text = text_of(name)
        if text is not None and text.count(NUMBER_HOLE) == 1 and "." in text and not has_hole(text.rsplit(".", 1)[0]):
            package, last = text.rsplit(".", 1)
            found = self.resolver.modules.by_name(package)
            if found is not None:
                dispatch = self.dispatch(ModuleRef(found), Template(last, name.numbers))  # type: ignore[union-attr]
                if dispatch is not None:
                    return dispatch
        if text is None or has_hole(text):  # it may import a step module of the project
            self.cannot_follow(node, "a module name the checker cannot build", "build the name from one number"
                               " (import_module(f\"app.upgrades.db{version}\"))", what="imports")
        return UNKNOWN
