"""Sources: each text parsed once per run, found by path or dotted name, from a folder or an archive."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from bundler.errors import BundleError, SourceError
from bundler.frontends.python.sources import (
    Archive, InMemory, ModuleSet, ProjectFolder, assigns, index_definitions, module_name_for, sets_attribute,
)

STORE = "class Store:\n    def __init__(self):\n        self.apply(28)\n"


def test_a_module_is_parsed_once_and_found_by_path_or_by_name() -> None:
    modules = ModuleSet(InMemory({"src/app/store.py": STORE}))
    by_path = modules.by_path("src/app/store.py")
    assert by_path is not None and by_path.dotted == "app.store"
    assert modules.by_name("app.store") is by_path
    assert modules.by_name("app.missing") is None


def test_module_sets_sharing_trees_parse_an_identical_text_once_and_keep_their_own_locations() -> None:
    source = ModuleSet(InMemory({"src/app/store.py": STORE}))
    bundle = ModuleSet(InMemory({"site-packages/app/store.py": STORE, "site-packages/app/other.py": STORE + "#\n"}),
                       source.trees)
    original, inside = source.by_path("src/app/store.py"), bundle.by_path("site-packages/app/store.py")
    assert original is not None and inside is not None
    assert inside.tree is original.tree
    assert inside.display == "site-packages/app/store.py" and original.display == "src/app/store.py"
    different = bundle.by_path("site-packages/app/other.py")
    assert different is not None and different.tree is not original.tree
    assert len(source.trees) == 2


def test_two_files_of_one_text_in_one_set_get_a_tree_each() -> None:
    """What the checker learns of a node (the number a step module's function declares) is that
    node's: two step modules written alike must not share one."""
    modules = ModuleSet(InMemory({"steps/a.py": STORE, "steps/b.py": STORE}))
    first, second = modules.by_path("steps/a.py"), modules.by_path("steps/b.py")
    assert first is not None and second is not None and first.tree is not second.tree


def test_two_step_modules_written_alike_keep_their_own_numbers(tmp_path: Path, capsys) -> None:
    """A listing of two identical modules, and a path that runs the first item only: the second's
    number is missing (it was credited through the shared tree)."""
    from bundler.cli import main

    steps = tmp_path / "app" / "steps"
    steps.mkdir(parents=True)
    (tmp_path / "app" / "__init__.py").write_text("")
    (steps / "__init__.py").write_text(
        'import importlib\n\nSTEPS = [["first"], ["second"]]\n\n\n'
        'def run_first():\n    for name in STEPS[0]:\n        importlib.import_module("app.steps." + name).apply()\n')
    for name in ("first", "second"):
        (steps / f"{name}.py").write_text("def apply():\n    return None\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.bundler]\nstyle = "records"\nrunner = "app/steps/__init__.py:STEPS"\n'
        'stores = ["app/steps/__init__.py:run_first"]\n[tool.bundler.styles]\nrecord-number = "position"\n')
    assert main(["check", "--config", str(tmp_path / "pyproject.toml")]) == 1
    assert "never applies version 2" in capsys.readouterr().out


def test_module_sets_that_share_nothing_parse_their_own_trees() -> None:
    first = ModuleSet(InMemory({"a.py": STORE})).by_path("a.py")
    second = ModuleSet(InMemory({"a.py": STORE})).by_path("a.py")
    assert first is not None and second is not None and first.tree is not second.tree


@pytest.mark.parametrize("text, message", [
    ("def broken(:\n", "a.py:1: syntax error"),
    ("x = (" * 3000 + ")" * 3000 + "\n", "a.py:1: syntax error: too many nested parentheses"),
])
def test_a_text_that_cannot_be_parsed_is_an_error_naming_the_file(text: str, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        ModuleSet(InMemory({"a.py": text})).by_path("a.py")


def test_a_project_folder_reads_the_src_layout_and_the_flat_one(tmp_path: Path) -> None:
    (tmp_path / "src" / "app").mkdir(parents=True)
    (tmp_path / "src" / "app" / "store.py").write_text(STORE)
    (tmp_path / "flat.py").write_text(STORE)
    modules = ModuleSet(ProjectFolder(tmp_path))
    assert modules.by_name("app.store") is not None and modules.by_name("flat") is not None


def test_an_archive_is_read_without_extracting_and_an_ambiguous_member_is_refused(tmp_path: Path) -> None:
    bundle = tmp_path / "app.pyz"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("site-packages/app/store.py", STORE)
        archive.writestr("site-packages/app/twice.py", STORE)
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("site-packages/app/twice.py", STORE + "#\n")
    modules = ModuleSet(Archive(bundle))
    found = modules.by_name("app.store")
    assert found is not None and found.display == f"{bundle}!site-packages/app/store.py"
    with pytest.raises(BundleError, match="2 members named site-packages/app/twice.py"):
        modules.by_name("app.twice")
    assert not (tmp_path / "site-packages").exists()


@pytest.mark.parametrize("relpath, dotted", [
    ("src/worker/store/session_store.py", "worker.store.session_store"),
    ("site-packages/worker/store/__init__.py", "worker.store"),
    ("flat.py", "flat"),
])
def test_module_names_follow_the_src_and_archive_layouts(relpath: str, dotted: str) -> None:
    assert module_name_for(relpath) == dotted


def test_definitions_are_indexed_by_class_and_method_with_the_first_one_winning() -> None:
    text = "def helper():\n    pass\n\nclass Store:\n    def apply(self):\n        pass\n    def apply(self):\n        pass\n"
    assert index_definitions(text) == {("helper", None): 1, ("Store", None): 4, ("Store", "apply"): 5}


@pytest.mark.parametrize("text, binds", [
    ("class Tagger:\n    add_tags = _add_tags\n", True),
    ("class Tagger:\n    add_tags: Callable = _add_tags\n", True),
    ("x = 1\nadd_tags=tag_table", True),
    ("    self.add_tags = tag_table\n", False),  # an instance's attribute: found where the object is known
    ("    add_tags == tag_table\n", False),
    ("    add_tags += extra\n", False),
    ("    add_tags_later = 1\n", False),
    ("    readd_tags = 1\n", False),
    ("def add_tags(self):\n", False),  # a def: found by DEFINED_NAME
    ("    add_tags(conn)\n", False),
])
def test_a_method_bound_by_assignment_is_found_by_its_text(text: str, binds: bool) -> None:
    assert assigns(text.encode(), b"add_tags") is binds


@pytest.mark.parametrize("text, sets", [
    ("settings.FULL_SCHEMA = True\n", True),
    ("    cfg.FULL_SCHEMA += 1\n", True),
    ("    settings.FULL_SCHEMA: bool = True\n", True),
    ("a, settings.FULL_SCHEMA = 1, 2\n", True),
    ('setattr(settings, "FULL_SCHEMA", True)\n', True),
    ("    self.FULL_SCHEMA = True\n", False),  # an object's own attribute
    ("    cls.FULL_SCHEMA = True\n", False),
    ("if settings.FULL_SCHEMA == True:\n", False),
    ("FULL_SCHEMA = True\n", False),  # the module's own literal
    ("settings.FULL_SCHEMA_2 = True\n", False),
])
def test_an_attribute_set_from_anywhere_is_found_by_its_text(text: str, sets: bool) -> None:
    assert sets_attribute(text.encode(), b"FULL_SCHEMA") is sets
