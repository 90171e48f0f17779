"""A generated family of JavaScript workers (numbers dropped, renumbered and added at random, in
every recording shape; the store's numbered steps called by name or by a loop from the version the
database holds, whose bound may stop short of the last), each checked and then executed by node on a fake database: the checker's
missing and unknown numbers must be exactly what running the registry and the store records."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from bundler.cli import main

EXAMPLES = 30
SHAPES = (
    "this.db.prepare('INSERT OR IGNORE INTO schema_versions (version, applied_at) VALUES (?, ?)').run({n}, Date.now());",
    "this.db.run('INSERT INTO schema_versions (version, applied_at) VALUES ({n}, 0)');",
    "const applied = this.db.prepare('SELECT version FROM schema_versions WHERE version = ?').get({n});\n"
    "    if (applied) return;\n"
    "    this.db.prepare('INSERT INTO schema_versions (version, applied_at) VALUES (@version, 0)').run({{ version: {n} }});",
    "this.db.run('BEGIN');\n    try {{\n      this.db.run('INSERT INTO schema_versions (version, applied_at) VALUES ({n}, 0)');\n"
    "      this.db.run('COMMIT');\n    }} catch (error) {{\n      this.db.run('ROLLBACK');\n      throw error;\n    }}",
    "this.db.transaction(() => {{\n      this.db.exec('INSERT INTO schema_versions (version, applied_at) VALUES ({n}, 0)');\n    }})();",
    "record(this.db, {n});",
)
HELPER = ("function record(db, n) {\n  db.prepare('INSERT INTO schema_versions (version, applied_at) VALUES (?, ?)')"
          ".run(n, 0);\n}\n")
FAKE_DB = """
class FakeDb {
  constructor() { this.versions = []; }
  prepare(sql) { const db = this; return { run: (...a) => db.write(sql, a), get: () => undefined, all: () => [] }; }
  query(sql) { return this.prepare(sql); }
  run(sql, ...a) { this.write(sql, a); }
  exec(sql) { this.write(sql, []); }
  transaction(fn) { return (...a) => fn(...a); }
  write(sql, args) {
    const m = /INTO schema_versions \\(version, applied_at\\) VALUES \\((\\?|@version|\\d+)/.exec(sql);
    if (!m) return;
    const v = m[1] === '?' ? args[0] : m[1] === '@version' ? args[0].version : Number(m[1]);
    if (!this.versions.includes(v)) this.versions.push(v);
  }
}
const results = {};
for (const name of process.argv.slice(2)) {
  const mod = require(name);
  const a = new FakeDb(); new mod.Runner(a).runAll();
  const b = new FakeDb(); new mod.Store(b);
  results[name] = { registry: a.versions, store: b.versions };
}
console.log(JSON.stringify(results));
"""


# A loop from the version the database holds (none in a fresh one) that looks each step up by a name
# built from its counter: {bound} is the last number it reaches, {shift} what the name adds to it.
LOOPS = (
    "for (let v = this.current() + 1; v <= {bound}; v++) {{ this[`m${{v}}`]?.(); }}",
    "for (let v = this.current() + 1; v < {bound} + 1; v += 1) {{ this['m' + v]?.(); }}",
    "for (let v = this.current(); v < {bound}; v++) {{ const name = `m${{v + 1}}`; this[name]?.(); }}",
    "for (let v = {bound}; v > this.current(); v--) {{ this[`m${{v - 1 + 1}}`]?.(); }}",
)
CURRENT = ("  current() {\n    const row = this.db.prepare('SELECT MAX(version) AS v FROM schema_versions').get();\n"
           "    return row ? row.v : 0;\n  }\n")


def method(name: str, number: int, rng: random.Random) -> str:
    return f"  {name}() {{\n    {rng.choice(SHAPES).format(n=number)}\n  }}\n"


def generated(rng: random.Random) -> str:
    """A runner with numbered migrations (gaps included) and a store mirroring it, mutated."""
    numbers = sorted(rng.sample(range(1, 40), rng.randint(2, 8)))
    runner = [(f"m{n}", n) for n in numbers]
    store = list(runner)
    for _ in range(rng.randint(0, 3)):
        mutation = rng.choice(("drop", "renumber", "add"))
        if mutation == "drop" and store:
            store.pop(rng.randrange(len(store)))
        elif mutation == "renumber" and store:
            index = rng.randrange(len(store))
            store[index] = (store[index][0], rng.randint(1, 45))
        else:
            store.insert(rng.randrange(len(store) + 1), (f"extra{rng.randint(0, 999)}", rng.randint(1, 45)))
    names = list(dict.fromkeys(name for name, _ in store))
    numbered = dict(store)
    looped = [int(name[1:]) for name in names if name.startswith("m")] if rng.random() < 0.5 else []
    calls = "".join(f"    this.{name}();\n" for name in names if not looped or not name.startswith("m"))
    if looped:  # the bound reaches the last step, or stops short of some
        bound = rng.choice((max(looped), rng.randint(1, max(looped))))
        calls += "    " + rng.choice(LOOPS).format(bound=bound) + "\n"
    return (HELPER
            + "class Runner {\n  constructor(db) { this.db = db; }\n  runAll() {\n"
            + "".join(f"    this.{name}();\n" for name, _ in runner) + "  }\n"
            + "".join(method(name, n, rng) for name, n in runner) + "}\n"
            + "class Store {\n  constructor(db) {\n    this.db = db;\n" + calls + "  }\n" + CURRENT
            + "".join(method(name, numbered[name], rng) for name in names) + "}\n"
            + "module.exports = { Runner, Store };\n")


def verdict(folder: Path, capsys) -> tuple[set[int], set[int]]:
    (folder / "pyproject.toml").write_text('[tool.bundler]\nrunner = "worker.js:Runner.runAll"\n'
                                          'stores = ["worker.js:Store.constructor"]\n'
                                          '[tool.bundler.severity]\nduplicate-version = "off"\n')
    code = main(["check", "--config", str(folder / "pyproject.toml"), "--root", str(folder), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code in (0, 1), report
    found = report["findings"]
    return ({f["version"] for f in found if f["code"] == "missing-migration"},
            {f["version"] for f in found if f["code"] == "unknown-version"})


def test_the_verdict_equals_what_node_records(tmp_path: Path, capsys) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the generated workers cannot be executed")
    rng = random.Random(20)
    folders = []
    for index in range(EXAMPLES):
        folder = tmp_path / f"case{index}"
        folder.mkdir()
        (folder / "worker.js").write_text(generated(rng))
        folders.append(folder)
    (tmp_path / "run.js").write_text(FAKE_DB)
    done = subprocess.run([node, str(tmp_path / "run.js"), *(str(f / "worker.js") for f in folders)],
                          capture_output=True, text=True, check=True, timeout=120)
    executed = json.loads(done.stdout)
    for folder in folders:
        recorded = executed[str(folder / "worker.js")]
        registry, store = set(recorded["registry"]), set(recorded["store"])
        assert verdict(folder, capsys) == (registry - store, store - registry), (folder / "worker.js").read_text()
