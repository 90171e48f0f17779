"""``bundler fix`` for ``unlisted-step``: a step module written beside the ones a listing names,
but named by no item. It is listed as the next item, and the declared head raised to its
number: the step was written, only the listing and the head were not updated with it."""

from __future__ import annotations

import ast
from pathlib import PurePosixPath

from bundler.assist.fix import Insertion, Plan, parsed
from bundler.assist.numbers import head_value
from bundler.config import Config
from bundler.model import CheckResult, Code


def plan_unlisted(config: Config, result: CheckResult, plan: Plan) -> None:
    modules = [PurePosixPath(f.location.file).stem for f in result.findings if f.code is Code.UNLISTED_STEP]
    if not modules:
        return
    registry = result.registry
    relative, lines, tree = parsed(config, config.display_prefix, registry.location.file)
    listing = next((n.value for n in tree.body if isinstance(n, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == registry.name for t in n.targets)), None)
    last = listing.elts[-1] if isinstance(listing, (ast.List, ast.Tuple)) and listing.elts else None
    if last is None or last.end_lineno == listing.end_lineno:  # type: ignore[union-attr]
        plan.notes += [f"{registry.location}: {module} is written but not listed: {registry.name} is not a list"
                       " of one item per line bundler fix can add to; list it by hand" for module in modules]
        return
    after = last.end_lineno - 1  # type: ignore[operator]
    ending = lines[after].rstrip("\n")
    if not ending.rstrip().endswith(","):  # the last item gets the comma the next one needs
        plan.add(relative, Insertion(after - 1, 0, ending + ",\n", replaces=1))
    indent = " " * last.col_offset
    number = max(registry.applied() + list(registry.retired), default=0)
    for rank, module in enumerate(modules):
        plan.add(relative, Insertion(after, rank, f'{indent}["{module}"],\n'))
        plan.notes.append(f"{registry.location}: listed {module} as item {number + rank + 1} of {registry.name}")
    head = head_value(config, plan, number + len(modules))
    if head is not None and head.value.value < number + len(modules):
        head.set_to(number + len(modules), plan)
        plan.notes.append(f"{head.shown}: raised the head {head.name} from {head.value.value} to {number + len(modules)}")
