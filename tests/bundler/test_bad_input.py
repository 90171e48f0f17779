"""A corpus of malformed inputs, generated here so it stays small on disk.

Every input must end in exit 2 with one line on standard error that names the input: never a
traceback, never exit 0. Categories: broken Python, binary junk, non-UTF-8 text, empty and
huge files, classes without the configured method, unresolvable recursion between helpers,
truncated, corrupt, incomplete and ambiguous zips, and absurd ``[tool.bundler]`` values.
"""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bundler.cli import main

from .conftest import PYPROJECT, RUNNER, STORE

SEED = 20261125


def syntax_errors() -> Iterator[tuple[str, str]]:
    """Valid store source, broken in many small ways."""
    breakers = [
        ("unclosed-paren", "        self.m27(\n"), ("unclosed-bracket", "        x = [1, 2\n"),
        ("bad-indent", "   self.m27()\n"), ("stray-dedent", "  def broken(self):\n"),
        ("unterminated-string", "        s = 'abc\n"), ("unterminated-triple", '        s = """abc\n'),
        ("bad-token", "        x = 1 $ 2\n"), ("keyword-as-name", "        class = 3\n"),
        ("missing-colon", "    def m29(self)\n        pass\n"), ("lone-else", "        else:\n"),
        ("tab-mix", "\t\tself.m27()\n"), ("assign-to-call", "        f() = 3\n"),
        ("double-star-bad", "        x = **y\n"), ("lambda-bad", "        x = lambda: = 1\n"),
        ("return-outside", "return 5\n"), ("decorator-dangling", "    @decorator\n    x = 1\n"),
    ]
    lines = STORE.splitlines(keepends=True)
    rng = random.Random(SEED)
    for name, breaker in breakers:
        for position in sorted(rng.sample(range(2, len(lines)), 4)):
            yield f"syntax-{name}-at-{position}", "".join(lines[:position] + [breaker] + lines[position:])


def binary_junk() -> Iterator[tuple[str, bytes]]:
    rng = random.Random(SEED)
    for number in range(20):
        yield f"binary-{number}", bytes(rng.randrange(256) for _ in range(rng.randrange(16, 4096))) + b"\x00"


def non_utf8() -> Iterator[tuple[str, bytes]]:
    encodings = ["latin-1", "cp1252", "utf-16", "utf-16-le", "utf-32", "shift_jis", "koi8-r", "cp437"]
    text = STORE.replace("pass", "pass") + "# Müller – ça coûte 10€ — ñandú ¿sí?\n"
    for encoding in encodings:
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            data = text.encode(encoding, errors="replace")
        if encoding.startswith("utf-16") or encoding.startswith("utf-32") or b"\xe2" not in data:
            yield f"encoding-{encoding}", data + b"\xff\xfe\xfa"
        else:
            yield f"encoding-{encoding}", data
    for number in range(6):
        yield f"invalid-utf8-{number}", STORE.encode() + bytes([0xC0 + number, 0x20, 0x80 + number])


def empty_and_huge() -> Iterator[tuple[str, bytes]]:
    yield "empty", b""
    yield "only-newlines", b"\n" * 100
    yield "only-comment", b"# nothing here\n"
    yield "bom-only", b"\xef\xbb\xbf"
    yield "huge-valid-text", (STORE + "\n" + "# padding\n" * 1_200_000).encode()
    yield "huge-one-line", b"x = '" + b"a" * 11_000_000 + b"'\n"
    yield "deep-nesting", ("class Store:\n    def __init__(self):\n        x = " + "(" * 5000 + ")" * 5000 + "\n").encode()
    yield "deep-brackets-unbalanced", ("x = " + "[" * 3000 + "\n").encode()


def missing_methods() -> Iterator[tuple[str, str]]:
    yield "no-class", "def __init__(self):\n    pass\n"
    yield "other-class", STORE.replace("class Store:", "class Storage:")
    yield "init-renamed", STORE.replace("def __init__", "def setup")
    yield "init-is-attribute", "class Store:\n    __init__ = None\n"
    yield "nested-class-only", "class Outer:\n    class Store:\n        def __init__(self):\n            pass\n"
    yield "class-in-function", "def make():\n    class Store:\n        def __init__(self):\n            pass\n"
    yield "method-in-other-class", "class Other:\n    def __init__(self):\n        pass\n\nclass Store:\n    pass\n"


def unresolvable() -> Iterator[tuple[str, str]]:
    record = "self.conn.execute(\"INSERT INTO schema_versions (version, applied_at) VALUES (?, 'now')\", (v,))"
    yield "recursion-passes-unknown", f"""
class Store:
    def __init__(self, conn):
        self.conn = conn
        self.m27()
        self.a(conn.version)

    def m27(self):
        self.conn.execute("INSERT INTO schema_versions (version, applied_at) VALUES (27, 'now')")
        self.conn.execute("INSERT INTO schema_versions (version, applied_at) VALUES (28, 'now')")

    def a(self, v):
        self.b(v)

    def b(self, v):
        {record}
        self.a(v)
"""
    for number, expression in enumerate(["compute()", "self.version", "VERSIONS[0]", "int(input())", "28 if x else 29",
                                         "os.environ['V']", "len(x)", "-x", "x.y.z", "{}.get(1)"]):
        yield f"unresolvable-{number}", STORE.replace(
            "VALUES (28, 'now')\")", f"VALUES (?, 'now')\", ({expression},))"
        )


def bad_zips(bundle_source: bytes) -> Iterator[tuple[str, bytes]]:
    for cut in (1, 10, 22, 100, 300, len(bundle_source) // 2, len(bundle_source) - 1):
        yield f"zip-truncated-{cut}", bundle_source[:cut]
    rng = random.Random(SEED)
    for number in range(8):
        data = bytearray(bundle_source)
        for _ in range(20):
            data[rng.randrange(len(data))] = rng.randrange(256)
        yield f"zip-corrupted-{number}", bytes(data)
    yield "zip-empty-file", b""
    yield "zip-not-a-zip", b"#!/usr/bin/env python3\nprint('hi')\n"
    yield "zip-empty-archive", make_zip({})
    yield "zip-no-store", make_zip({"site-packages/runner.py": RUNNER})
    yield "zip-no-runner", make_zip({"site-packages/store.py": STORE})
    yield "zip-only-pyc", make_zip({"site-packages/store.pyc": "junk", "site-packages/runner.pyc": "junk"})
    yield "zip-store-not-utf8", make_zip({"site-packages/runner.py": RUNNER, "site-packages/store.py": b"\xff\xfe\x00x"})
    yield "zip-store-syntax", make_zip({"site-packages/runner.py": RUNNER, "site-packages/store.py": "class Store(:\n"})
    yield "zip-duplicate-store", make_zip({"site-packages/runner.py": RUNNER, "site-packages/store.py": STORE},
                                          duplicates={"site-packages/store.py": STORE.replace("self.m28()", "")})


def make_zip(members: dict[str, str | bytes], duplicates: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for name, data in (duplicates or {}).items():
            with pytest.warns(UserWarning, match="Duplicate name"):
                archive.writestr(name, data)
    return buffer.getvalue()


def absurd_configurations() -> Iterator[tuple[str, str]]:
    base = {"runner": '"runner.py:MigrationRunner.run_all_migrations"', "stores": '["store.py:Store.__init__"]'}
    absurd = {
        "runner": ["1", "true", "[]", '""', '"runner.py"', '":"', '"runner.py:"', '"runner.py:A.b.c"',
                   '"../outside.py:A.b"', '"/etc/passwd:A.b"', '"runner.py:1A.b"', '"no such dir/x.py:A.b"'],
        "stores": ["1", '"store.py:Store.__init__"', "[]", "[1]", '[""]', '["store.py"]', '["../../x.py:A.b"]',
                   '[{a = 1}]', '["store.py:Store"]', "{a = 1}"],
        "version-table": ["1", '""', "[]", "false"],
        "version-record": ['"pragma"', "1", '""', '["table"]'],
        "severity": ['"error"', "1", "{missing-migration = 1}", '{missing-migration = "fatal"}',
                     '{no-such-code = "error"}', '{out-of-order = ["warning"]}'],
        "install-dir": ["1", '""', "[]"],
        "restart-command": ['"touch x"', "[1]", "1"],
        "bundle-packages": ['"worker"', '["not-a-name"]', "[1]"],
        "runtime": ['"x"', "1", "{timeout = -1}", '{timeout = "60"}', "{timeout = 1e9}", "{runner = 1}",
                    '{upgrade-fixtures = ["../../etc/passwd"]}', '{stores = "a:b"}', "{unknown = 1}"],
    }
    for key, values in absurd.items():
        for number, value in enumerate(values):
            table = dict(base)
            table[key] = value
            body = "".join(f"{k} = {v}\n" for k, v in table.items())
            yield f"config-{key}-{number}", f"[tool.bundler]\n{body}"
    for number, typo in enumerate(["runer", "store", "Stores", "versiontable", "severty", "run-time", "bundle_name",
                                   "install_dir", "restart", "x"]):
        yield f"config-unknown-key-{number}", f"[tool.bundler]\n{typo} = 1\n" + "".join(f"{k} = {v}\n" for k, v in base.items())
    for number, text in enumerate(["[tool.bundler", "[tool.bundler]\nrunner = ", "[tool.bundler]\nrunner = 'a\n",
                                   "\x00\x01", "[[tool.bundler]]\nrunner = 'x'\n", "tool = 1\n", "[tool]\nbundler = []\n"]):
        yield f"config-broken-{number}", text


STORE_CASES = [*syntax_errors(), *binary_junk(), *non_utf8(), *empty_and_huge(), *missing_methods(), *unresolvable()]


def assert_cannot_verify(code: int, err: str, name: str) -> None:
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("bundler: error: "), err
    assert "Traceback" not in err
    assert name in err, err


@pytest.mark.parametrize(("name", "content"), STORE_CASES, ids=[case[0] for case in STORE_CASES])
def test_a_malformed_store_cannot_be_verified(codebase, capsys, name: str, content: str | bytes) -> None:
    root = codebase({"store.py": content})
    code = main(["check", "--config", str(root / "pyproject.toml")])
    assert_cannot_verify(code, capsys.readouterr().err, "store.py")


@pytest.fixture(scope="module")
def valid_bundle() -> bytes:
    return make_zip({"site-packages/runner.py": RUNNER, "site-packages/store.py": STORE})


ZIP_CASES = list(bad_zips(make_zip({"site-packages/runner.py": RUNNER, "site-packages/store.py": STORE})))


@pytest.mark.parametrize(("name", "content"), ZIP_CASES, ids=[case[0] for case in ZIP_CASES])
def test_a_malformed_bundle_cannot_be_verified(codebase, capsys, tmp_path: Path, name: str, content: bytes) -> None:
    root = codebase()
    bundle = tmp_path / f"{name}.pyz"
    bundle.write_bytes(content)
    code = main(["check", "--config", str(root / "pyproject.toml"), "--bundle", str(bundle)])
    assert_cannot_verify(code, capsys.readouterr().err, bundle.name)


CONFIG_CASES = list(absurd_configurations())


@pytest.mark.parametrize(("name", "content"), CONFIG_CASES, ids=[case[0] for case in CONFIG_CASES])
def test_an_absurd_configuration_cannot_be_verified(codebase, capsys, name: str, content: str) -> None:
    root = codebase({"pyproject.toml": content})
    code = main(["check", "--config", str(root / "pyproject.toml")])
    assert_cannot_verify(code, capsys.readouterr().err, "pyproject.toml")


def test_the_corpus_is_large_enough() -> None:
    assert len(STORE_CASES) + len(ZIP_CASES) + len(CONFIG_CASES) >= 200


def test_the_unmodified_inputs_pass(codebase, capsys, tmp_path: Path, valid_bundle: bytes) -> None:
    """The corpus is made by breaking these; they themselves verify."""
    root = codebase({"pyproject.toml": PYPROJECT})
    bundle = tmp_path / "valid.pyz"
    bundle.write_bytes(valid_bundle)
    assert main(["check", "--config", str(root / "pyproject.toml"), "--bundle", str(bundle)]) == 0
