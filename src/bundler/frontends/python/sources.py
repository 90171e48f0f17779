"""Reading and parsing the code under check, each file once per run, from a folder or an archive.

The checker never imports the code it checks: modules are parsed with libcst, and names
imported from other modules of the project are found by parsing those modules too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import field
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Protocol

from bundler.errors import BundleError, SourceError
from bundler.findings.suppress import COMMENT_MARK, Comment, suppression_comment
from bundler.model import EntrySpec, Location
from bundler.files import files_in, python_files_under
from bundler.frozen import mutable

if TYPE_CHECKING:
    import zipfile

    import libcst as cst

    from bundler.frontends.python.recovery import Unreadable

ARCHIVE_PACKAGES = "site-packages/"
# A def's name, in any file's bytes: searched from its literal ``def`` (ten times faster than from
# each line's start); a ``def x`` in a string or a comment only makes one more file parsed.
DEFINED_NAME = re.compile(rb"def[ \t]+([^\s(:]+)")
OWN_OBJECT = re.compile(rb"(?<![\w.])(?:self|cls)\.$")  # before an attribute: an object's own, not a module's
AUGMENTED = re.compile(rb"(?:\*\*|//|>>|<<|[-+*/%&|^@])=")  # an augmented assignment's operator
STUB_MARK = "__bundler_unreadable_"  # a function read as a stub (see recovery): its ``*args`` is named this and its index


class Origin(Protocol):
    """Where module texts come from: a project folder or a built archive."""

    label: str

    def read(self, relpath: str) -> bytes | None: ...

    def display(self, relpath: str) -> str: ...

    def module_candidates(self, dotted: str) -> list[str]: ...

    def list_folder(self, relpath: str) -> list[str] | None: ...

    def python_files(self) -> list[str]: ...


class ReadJournal(Protocol):
    """Told of every file a check reads, every one it looks for and does not find (``None``: a
    module lookup's miss, which a new file would turn into a hit), every folder it lists and
    every tree it walks for the project's modules: what a cached verdict depends on
    (bundler/cache)."""

    def read(self, path: Path, data: bytes | None) -> None: ...

    def listed(self, path: Path, names: list[str] | None) -> None: ...

    def walked(self, root: Path, relpaths: list[str]) -> None: ...


@mutable  # compared by identity
class ProjectFolder:
    """Module texts from the project's folder, each read told to the journal (what the cache depends on)."""

    root: Path
    label: str = "source"
    prefix: str = ""  # the project folder's path in the repository ("services/notes/"), for display
    journal: ReadJournal | None = None

    def read(self, relpath: str) -> bytes | None:
        path = self.root / relpath
        data = read_file(path, self.display(relpath))
        if self.journal is not None:
            self.journal.read(path, data)
        return data

    def display(self, relpath: str) -> str:
        return self.prefix + relpath

    def list_folder(self, relpath: str) -> list[str] | None:
        folder = self.root / relpath
        names = files_in(folder)
        if self.journal is not None:
            self.journal.listed(folder, names)
        return names

    def python_files(self) -> list[str]:
        found = python_files_under(self.root)
        if self.journal is not None:
            self.journal.walked(self.root, found)
        return found

    def module_candidates(self, dotted: str) -> list[str]:
        parts = dotted.split(".")
        names = []
        for base in ("src", ""):
            stem = "/".join(filter(None, [base, *parts]))
            names += [f"{stem}.py", f"{stem}/__init__.py"]
        return names


def read_file(path: Path, display: str) -> bytes | None:
    """A file's bytes, or ``None`` where there is no file (a folder of that name is none)."""
    if not path.is_file():
        return None
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror}", where=display) from None


@mutable  # compared by identity
class InMemory:
    """Module texts given directly (path → text): extraction on inline snippets, without files."""

    files: dict[str, str]
    label: str = "source"

    def read(self, relpath: str) -> bytes | None:
        text = self.files.get(relpath)
        return None if text is None else text.encode()

    def display(self, relpath: str) -> str:
        return relpath

    module_candidates = ProjectFolder.module_candidates

    def list_folder(self, relpath: str) -> list[str] | None:
        prefix = relpath.rstrip("/") + "/"
        names = [name[len(prefix):] for name in self.files if name.startswith(prefix) and "/" not in name[len(prefix):]]
        return sorted(names) if names else None

    def python_files(self) -> list[str]:
        return sorted(name for name in self.files if name.endswith(".py"))


@mutable  # compared by identity
class Archive:
    """A shiv zipapp: modules live under ``site-packages/``. Nothing is extracted."""

    path: Path
    label: str = ""  # how reports name it: the name the user knows (a build reads a temporary file)
    _zip: "zipfile.ZipFile | None" = None
    _members: dict = field(default_factory=dict)  # name → every member of that name

    def __post_init__(self) -> None:
        import zipfile  # only bundles need it

        self.label = self.label or str(self.path)
        try:
            self._zip = zipfile.ZipFile(self.path)
        except FileNotFoundError:
            raise BundleError("no such bundle", where=self.label) from None
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise BundleError(f"not a readable zip archive ({exc})", where=self.label) from None
        for info in self._zip.infolist():
            self._members.setdefault(info.filename, []).append(info)

    def read(self, relpath: str) -> bytes | None:
        import zipfile

        assert self._zip is not None
        found = self._members.get(relpath, [])
        if not found:
            return None
        if len(found) > 1:
            raise BundleError(f"holds {len(found)} members named {relpath}: which one runs is ambiguous",
                              where=self.label)
        info = found[0]
        try:
            return self._zip.read(info)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise BundleError(f"corrupt member {relpath} ({exc})", where=self.label) from None

    def display(self, relpath: str) -> str:
        return f"{self.label}!{relpath}"

    def list_folder(self, relpath: str) -> list[str] | None:
        """A source folder's files as the archive holds them (``src/app/x`` → ``site-packages/app/x``)."""
        dotted = module_name_for(relpath)
        prefix = ARCHIVE_PACKAGES + (dotted or "").replace(".", "/") + "/"
        names = [name[len(prefix):] for name in self._members if name.startswith(prefix) and "/" not in name[len(prefix):]]
        return sorted(names) if names else None

    def python_files(self) -> list[str]:
        """The project's modules the archive holds (the build keeps only the project's packages)."""
        return sorted(name for name in self._members if name.startswith(ARCHIVE_PACKAGES) and name.endswith(".py"))

    def module_candidates(self, dotted: str) -> list[str]:
        stem = ARCHIVE_PACKAGES + dotted.replace(".", "/")
        return [f"{stem}.py", f"{stem}/__init__.py"]


@mutable  # compared by identity
class ParsedModule:
    """One parsed file: its text, its tree, and lazily its node positions."""

    relpath: str
    display: str
    dotted: str | None
    text: str
    tree: cst.Module
    origin: Origin
    _positions: dict | None = None
    _definitions: dict | None = None
    unreadable: tuple[Unreadable, ...] = ()  # functions read as stubs: their syntax errors (see recovery)

    def stub_of(self, node: cst.FunctionDef) -> Unreadable | None:
        """The function a stub stands for, when ``node`` is one."""
        star = node.params.star_arg if self.unreadable else None
        name = getattr(getattr(star, "name", None), "value", "")
        if not name.startswith(STUB_MARK) or not name[len(STUB_MARK):].isdigit():
            return None
        return self.unreadable[int(name[len(STUB_MARK):])]

    def line_of(self, node: cst.CSTNode) -> int:
        """The line a node starts on. Positions cost a full walk, so they are computed only
        when a message needs one (errors, mostly)."""
        position = self._position(node)
        return position.start.line if position is not None else 1

    def end_line_of(self, node: cst.CSTNode) -> int:
        position = self._position(node)
        return position.end.line if position is not None else 1

    def _position(self, node: cst.CSTNode):  # type: ignore[no-untyped-def]
        if self._positions is None:
            from libcst.metadata import MetadataWrapper, PositionProvider  # only errors need it: 40 ms to import

            self._positions = dict(MetadataWrapper(self.tree, unsafe_skip_copy=True).resolve(PositionProvider))
        return self._positions.get(node)

    def line_of_definition(self, class_name: str, name: str | None = None) -> int:
        """The line of ``class class_name`` (or of ``def name`` inside it), from an index of the
        text built once, without computing positions for the whole tree."""
        if self._definitions is None:
            self._definitions = index_definitions(self.text)
        if name is not None and (class_name, name) in self._definitions:
            return self._definitions[(class_name, name)]
        return self._definitions.get((class_name, None), 1)


DEFINITION = re.compile(r"^([ \t]*)(?:async[ \t]+)?(class|def)[ \t]+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)


def index_definitions(text: str) -> dict[tuple[str, str | None], int]:
    """``(class, None)`` and ``(class, method)`` → line, plus ``(function, None)`` for
    module-level functions. The first definition of a name wins, as the nearest to the top."""
    index: dict[tuple[str, str | None], int] = {}
    current_class: tuple[str, int] | None = None
    line = 1
    position = 0
    for match in DEFINITION.finditer(text):
        line += text.count("\n", position, match.start())
        position = match.start()
        indent, kind, name = len(match.group(1).expandtabs()), match.group(2), match.group(3)
        if current_class is not None and indent <= current_class[1]:
            current_class = None
        if current_class is None:
            index.setdefault((name, None), line)
            if kind == "class":
                current_class = (name, indent)
        elif kind == "def":
            index.setdefault((current_class[0], name), line)
    return index


def assigns(data: bytes, name: bytes) -> bool:
    """Whether a text binds ``name`` by a plain assignment at a line's start: a class body's
    ``add_tags = _add_tags`` is a method too (and so is every local of that name, which only makes
    one more file parsed). Searched from the name's literal: most texts never hold it."""
    return any(not data[data.rfind(b"\n", 0, at) + 1:at].strip(b" \t") and binds(rest, augmented=False)
               for at, rest in occurrences(data, name))


def sets_attribute(data: bytes, name: bytes) -> bool:
    """Whether a text may set an attribute ``name`` (``x.name = ...``, ``x.name += ...``, or
    ``setattr`` given the name as a literal); ``self.name`` and ``cls.name`` are an object's."""
    if b"setattr" in data and (b'"%s"' % name in data or b"'%s'" % name in data):
        return True
    return b"." + name in data and any(  # most texts never write the attribute
        data[at - 1:at] == b"." and OWN_OBJECT.search(data, max(0, at - 6), at) is None and binds(rest, augmented=True)
        for at, rest in occurrences(data, name))


def occurrences(data: bytes, name: bytes) -> Iterator[tuple[int, bytes]]:
    """Where ``name`` stands in ``data`` as a whole word, with the start of what follows it."""
    at = data.find(name)
    while at >= 0:
        end = at + len(name)
        if not (data[at - 1:at].isalnum() or data[at - 1:at] == b"_" or data[end:end + 1].isalnum()
                or data[end:end + 1] == b"_"):
            yield at, data[end:end + 80].lstrip(b" \t")
        at = data.find(name, end)


def binds(rest: bytes, *, augmented: bool) -> bool:
    """Whether what follows a name makes it the target of an assignment (annotated, or augmented
    when asked): ``= x``, ``: T = x``, ``+= x``; never a comparison."""
    if rest[:1] == b"=":
        return rest[1:2] != b"="
    if rest[:1] == b":":
        return b"=" in rest.partition(b"\n")[0]
    return augmented and AUGMENTED.match(rest) is not None


class ModuleSet:
    """Parses each module once per run and finds modules by path or dotted name.

    ``trees`` (text → tree) may be shared between module sets: a bundle's members are mostly
    byte-identical to their sources, and an identical text needs no second parse (libcst trees
    are immutable, so sharing one is safe). Within one set, two files of one text (two step
    modules ``def upgrade(): pass``) get a tree each: what the checker learns of a node (the
    number a step module's function declares) is the node's, so two modules never share one."""

    def __init__(self, origin: Origin, trees: dict[str, Parsed] | None = None,
                 unparsed_allowed: Sequence[EntrySpec] = ()) -> None:
        self.origin = origin
        self.trees: dict[str, Parsed] = {} if trees is None else trees
        self.unparsed_allowed = unparsed_allowed  # functions whose syntax errors the configuration accepts
        self._by_path: dict[str, ParsedModule | None] = {}
        self._by_name: dict[str, ParsedModule | None] = {}
        self._texts: set[str] = set()  # the texts of this set's modules
        self._definitions: dict[str, list[str]] | None = None  # function name → the files defining one
        self._project_texts: dict[str, bytes] | None = None  # every project module's text, once one is searched

    def by_path(self, relpath: str, dotted: str | None = None) -> ParsedModule | None:
        relpath = str(PurePosixPath(relpath))
        if relpath not in self._by_path:
            data = self.origin.read(relpath)
            self._by_path[relpath] = None if data is None else self._parse(relpath, dotted, data)
        return self._by_path[relpath]

    def loaded(self) -> list[ParsedModule]:
        """The modules parsed so far (everything the check has reached)."""
        return [module for module in self._by_path.values() if module is not None]

    def defining(self, name: str) -> list[ParsedModule]:
        """Every module of the project with a function or method of this name (defined, or bound
        by an assignment), parsed, whether or not the code under check imports it: an object the
        checker cannot know may be of a class that only its caller's module imports. The files
        are found by their text, which is read once for all names."""
        if self._definitions is None:
            self._definitions = {}
            for relpath, data in self.project_texts().items():
                for found in set(DEFINED_NAME.findall(data)):
                    self._definitions.setdefault(found.decode("utf-8", "replace"), []).append(relpath)
        defining = list(self._definitions.get(name, ()))
        encoded = name.encode()
        defining += [relpath for relpath, data in self.project_texts().items()
                     if relpath not in defining and assigns(data, encoded)]
        return [module for relpath in defining if (module := self.by_path(relpath)) is not None]

    def setting_attribute(self, name: str) -> list[ParsedModule]:
        """Every module of the project whose text may set an attribute of this name on some object
        (``config.SETTINGS_DIR = path``, ``setattr(config, "SETTINGS_DIR", path)``), parsed: a
        module's top-level name set so from anywhere is not the literal its module wrote."""
        encoded = name.encode()
        return [module for relpath, data in self.project_texts().items()
                if sets_attribute(data, encoded) and (module := self.by_path(relpath)) is not None]

    def project_texts(self) -> dict[str, bytes]:
        """Every module of the project, as bytes (read once): searched for a name before any is parsed."""
        if self._project_texts is None:
            self._project_texts = {relpath: self.origin.read(relpath) or b"" for relpath in self.origin.python_files()}
        return self._project_texts

    def by_name(self, dotted: str) -> ParsedModule | None:
        if dotted not in self._by_name:  # the interpreter asks for the same names often
            self._by_name[dotted] = next((module for candidate in self.origin.module_candidates(dotted)
                                          if (module := self.by_path(candidate, dotted)) is not None), None)
        return self._by_name[dotted]

    def _parse(self, relpath: str, dotted: str | None, data: bytes) -> ParsedModule:
        display = self.origin.display(relpath)
        if len(data) > MAX_SOURCE_BYTES:
            raise SourceError(f"larger than {MAX_SOURCE_BYTES >> 20} MB: not a source file this tool will analyse",
                              where=display)
        if b"\x00" in data:
            raise SourceError("not a Python source file (binary content)", where=display)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SourceError(f"not UTF-8 text (byte {exc.start})", where=display) from None
        parsed = self.trees.get(text) if text not in self._texts else None
        if parsed is None:
            parsed = parse_text(text, display)
            self.trees.setdefault(text, parsed)
        self._texts.add(text)
        dotted = dotted or module_name_for(relpath)
        for stub in parsed[1]:
            if not any(fnmatchcase(name, spec.target) and stub.name == ".".join(filter(None, (spec.class_name, spec.method)))
                       for spec in self.unparsed_allowed for name in (relpath, dotted or "")):
                raise SourceError(f"syntax error: {stub.error}; if no path runs {stub.name} (code for another Python),"
                                  f" list \"{relpath}:{stub.name}\" in [tool.bundler] ignore-syntax-errors-in",
                                  where=f"{display}:{stub.error_line}")
        return ParsedModule(relpath, display, dotted, text, parsed[0], self.origin, unreadable=parsed[1])


Parsed = tuple["cst.Module", "tuple[Unreadable, ...]"]  # a tree, and the functions read as stubs


def parse_text(text: str, display: str) -> Parsed:
    """The module's tree; when its syntax errors all sit inside functions, with those functions
    read as stubs (see recovery)."""
    import libcst as cst  # here, not at the top: a check answered from the cache parses nothing

    readable, unreadable = text, ()
    error = screen_with_python_parser(text, display)
    if error is not None:
        from bundler.frontends.python.recovery import recover  # here: only a syntax error needs it

        recovered = recover(text, *error)
        if recovered is None:
            raise SourceError(f"syntax error: {error[0]}", where=f"{display}:{error[1]}")
        readable, unreadable = recovered
    try:
        return cst.parse_module(readable), unreadable
    except cst.ParserSyntaxError as exc:
        reason = str(exc).strip().splitlines()[0]
        raise SourceError(f"syntax error: {reason}", where=f"{display}:{exc.raw_line}") from None
    except RecursionError:
        raise SourceError("too deeply nested to analyse", where=display) from None


MAX_SOURCE_BYTES = 10 * 1024 * 1024


def screen_with_python_parser(text: str, display: str) -> tuple[str, int] | None:
    """Python's own parser first: it names the mistake and where it is (returned), and it refuses
    the pathological nesting (thousands of brackets, very long operator chains) on which libcst's
    native parser crashes the process or takes minutes. A few milliseconds per file."""
    import ast

    try:
        ast.parse(text)
    except SyntaxError as error:
        return error.msg, error.lineno or 1
    except (RecursionError, MemoryError):
        raise SourceError("too deeply nested to analyse", where=display) from None
    except ValueError as error:
        raise SourceError(f"not a Python source file ({error})", where=display) from None
    return None


def module_name_for(relpath: str) -> str | None:
    """``src/worker/store/session_store.py`` → ``worker.store.session_store`` (or from an archive path)."""
    path = PurePosixPath(relpath)
    parts = list(path.with_suffix("").parts)
    if parts and parts[0] + "/" == ARCHIVE_PACKAGES:
        parts = parts[1:]
    elif parts and parts[0] == "src":
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) or None


def comments_in(module: ParsedModule) -> list[Comment]:
    """The suppression comments of a module, read with the tokenizer (a ``#`` inside a string is no comment)."""
    if COMMENT_MARK not in module.text:  # nearly every module: no tokenizing, no import of it
        return []
    import io
    import tokenize

    found = []
    for token in tokenize.generate_tokens(io.StringIO(module.text).readline):
        if token.type == tokenize.COMMENT:
            comment = suppression_comment(token.string, Location(module.display, token.start[0]),
                                          module.dotted or module.relpath)
            if comment is not None:
                found.append(comment)
    return found
