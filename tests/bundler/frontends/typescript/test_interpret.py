"""What the TypeScript interpreter runs and records, on small inline code bases: each test a
shape of real code, its verdict the one executing it would give."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from bundler.cli import main

RECORD = "this.db.prepare('INSERT OR IGNORE INTO schema_versions (version, applied_at) VALUES (?, ?)').run({n}, Date.now());"
RUNNER = f"""
export class Runner {{
  constructor(private db: any) {{}}
  runAll(): void {{ this.m1(); this.m2(); this.m3(); }}
  m1(): void {{ {RECORD.format(n=1)} }}
  m2(): void {{ {RECORD.format(n=2)} }}
  m3(): void {{ {RECORD.format(n=3)} }}
}}
"""


def check(tmp_path: Path, capsys, store: str, *, runner: str = RUNNER, store_spec: str = "store.ts:Store.constructor",
          extra: dict[str, str] | None = None, table: str = "") -> tuple[int, dict | str]:
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.bundler]\nrunner = "runner.ts:Runner.runAll"\nstores = ["{store_spec}"]\n{table}')
    for name, text in {"runner.ts": runner, store_spec.split(":")[0]: store, **(extra or {})}.items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    code = main(["check", "--config", str(tmp_path / "pyproject.toml"), "--root", str(tmp_path), "--format", "json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if code != 2 else captured.err.strip()


def applied(report: dict) -> list[int]:
    return report["paths"][0]["applied"]


def test_a_store_that_calls_the_registry_applies_what_it_applies(tmp_path, capsys) -> None:
    store = """
    import { Runner } from './runner';
    export class Store {
      constructor(db: any) { new Runner(db).runAll(); }
    }
    """
    code, report = check(tmp_path, capsys, store)
    assert (code, applied(report)) == (0, [1, 2, 3])


def test_a_base_constructor_and_optional_calls_are_followed(tmp_path, capsys) -> None:
    store = f"""
    class Base {{
      constructor(protected db: any) {{ this.m1(); }}
      m1(): void {{ {RECORD.format(n=1)} }}
    }}
    export class Store extends Base {{
      constructor(db: any) {{ super(db); this.m2?.(); this.db?.exec('INSERT INTO schema_versions (version, applied_at) VALUES (3, 0)'); }}
      m2(): void {{ {RECORD.format(n=2)} }}
    }}
    """
    code, report = check(tmp_path, capsys, store)
    assert (code, applied(report)) == (0, [1, 2, 3])


def test_minified_control_flow_runs_every_part_it_may(tmp_path, capsys) -> None:
    store = """
    var s = class {
      constructor(e) { e || this.a(), e && this.b(), e ? this.c() : void 0, this.d(); }
      a() { this.db.prepare("INSERT INTO schema_versions (version, applied_at) VALUES (?, ?)").run(1, 0) }
      b() { this.db.prepare("INSERT INTO schema_versions (version, applied_at) VALUES (?, ?)").run(2, 0) }
      c() { this.db.run("INSERT INTO schema_versions (version, applied_at) VALUES (3, 0)") }
      d() { if (!1) this.db.run("INSERT INTO schema_versions (version, applied_at) VALUES (4, 0)") }
    };
    exports.Store = s;
    """
    code, report = check(tmp_path, capsys, store, store_spec="store.js:s.constructor")
    assert (code, applied(report)) == (0, [1, 2, 3])  # !1 is false: 4 never runs


def test_named_parameters_and_user_version(tmp_path, capsys) -> None:
    runner = """
    export class Runner {
      constructor(private db: any) {}
      runAll(): void { this.db.exec('PRAGMA user_version = 1'); this.two(); }
      two(): void { this.db.pragma; this.db.prepare('PRAGMA user_version = @version').run({ version: 2 }); }
    }
    """
    store = """
    export class Store {
      constructor(private db: any) { this.db.exec(`PRAGMA user_version = ${1}`); }
    }
    """
    code, report = check(tmp_path, capsys, store, runner=runner, table='version-record = "user_version"\n')
    assert code == 1
    assert [(f["code"], f["version"]) for f in report["findings"]] == [("missing-migration", 2)]


def test_a_function_entry_and_imported_helpers(tmp_path, capsys) -> None:
    store = """
    import { record } from './record';
    export function migrate(db: any): void {
      for (const n of [1, 2, 3] as const) record(db, n);
    }
    """
    helper = """
    export const record = (db: any, n: number) =>
      db.prepare('INSERT INTO schema_versions (version, applied_at) VALUES (?, ?)').run(n, 0);
    """
    code, report = check(tmp_path, capsys, store, store_spec="store.ts:migrate", extra={"record.ts": helper})
    assert (code, applied(report)) == (0, [1, 2, 3])


@pytest.mark.parametrize(("body", "message"), [
    ("rows().forEach(() => this.m1());",
     "Store.constructor calls rows().forEach(() => this.m1()), which cannot be followed (it hands Store.constructor"
     " (closure), which applies migrations, to code outside the project)"),
    ("const step = lookup(); step();",
     "Store.constructor calls step(), which cannot be followed (what it calls cannot be known statically)"),
    ("this.db.prepare('INSERT INTO schema_versions (version, applied_at) VALUES (?, ?)').run(latest(), 0);",
     "cannot resolve the version number statically in Store.constructor (a bound parameter)"),
])
def test_what_cannot_be_followed_stops_the_check(tmp_path, capsys, body: str, message: str) -> None:
    store = f"""
    import {{ rows, lookup, latest }} from 'some-package';
    export class Store {{
      constructor(private db: any) {{ {body} }}
      m1(): void {{ {RECORD.format(n=1)} }}
    }}
    """
    code, error = check(tmp_path, capsys, store)
    assert code == 2
    assert message in error


def test_a_known_condition_decides_and_an_unknown_one_may_apply(tmp_path, capsys) -> None:
    store = f"""
    const LEGACY = false;
    export class Store {{
      constructor(private db: any, flag?: boolean) {{
        if (LEGACY) this.m3();
        if (flag) {{ this.m1(); return; }}
        this.m2();
      }}
      m1(): void {{ {RECORD.format(n=1)} }}
      m2(): void {{ {RECORD.format(n=2)} }}
      m3(): void {{ {RECORD.format(n=3)} }}
    }}
    """
    code, report = check(tmp_path, capsys, store)
    assert code == 1
    assert applied(report) == [1, 2]
    assert [(f["code"], f["version"]) for f in report["findings"]] == [("missing-migration", 3)]


def test_sql_chosen_by_a_condition_records_either_number(tmp_path, capsys) -> None:
    store = """
    export class Store {
      constructor(private db: any, legacy?: boolean) {
        this.db.run(legacy ? 'INSERT INTO schema_versions (version, applied_at) VALUES (1, 0)'
                           : 'INSERT INTO schema_versions (version, applied_at) VALUES (2, 0)');
        const sql = legacy ? 'INSERT INTO schema_versions (version, applied_at) VALUES (?, ?)' : 'SELECT 1';
        this.db.prepare(sql).run(3, 0);
      }
    }
    """
    code, report = check(tmp_path, capsys, store)
    assert (code, applied(report)) == (0, [1, 2, 3])


def test_recursion_is_followed_once(tmp_path, capsys) -> None:
    store = f"""
    export class Store {{
      constructor(private db: any) {{ this.walk(3); this.m1(); this.m2(); this.m3(); }}
      walk(depth: number): void {{ if (depth > 0) this.walk(depth - 1); else this.db.run('VACUUM'); }}
      m1(): void {{ {RECORD.format(n=1)} }}
      m2(): void {{ {RECORD.format(n=2)} }}
      m3(): void {{ {RECORD.format(n=3)} }}
    }}
    """
    code, report = check(tmp_path, capsys, store)
    assert (code, applied(report)) == (0, [1, 2, 3])


def test_methods_run_through_call_apply_and_bind(tmp_path, capsys) -> None:
    store = f"""
    export class Store {{
      constructor(private db: any) {{
        for (const step of [this.m1, this.m2]) step.call(this);
        this.m3.bind(this)();
      }}
      m1(): void {{ {RECORD.format(n=1)} }}
      m2(): void {{ {RECORD.format(n=2)} }}
      m3(): void {{ {RECORD.format(n=3)} }}
    }}
    """
    code, report = check(tmp_path, capsys, store)
    assert (code, applied(report)) == (0, [1, 2, 3])


def test_migrations_kept_in_an_object_literal(tmp_path, capsys) -> None:
    store = """
    const record = (db: any, n: number) =>
      db.prepare('INSERT INTO schema_versions (version, applied_at) VALUES (?, ?)').run(n, 0);
    const STEPS = {
      first(db: any) { record(db, 1); },
      second: (db: any) => record(db, 2),
    };
    export function migrate(db: any): void {
      STEPS.first(db);
      STEPS.second(db);
      STEPS['third']?.(db);
    }
    """
    code, report = check(tmp_path, capsys, store, store_spec="store.ts:migrate")
    assert code == 1
    assert applied(report) == [1, 2]


def test_tsconfig_path_aliases_name_project_code(tmp_path, capsys) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "tsconfig.json").write_text(
        '{\n  // aliases\n  "compilerOptions": { "baseUrl": ".", "paths": { "@lib/*": ["lib/*"], }, },\n}\n')
    store = """
    import { join } from 'path';
    import { third } from '@lib/third';
    import { second } from 'lib/second';
    export class Store {
      constructor(private db: any) { join('a', 'b'); this.first(); second(db); third(db); }
      first(): void { this.db.exec('INSERT INTO schema_versions (version, applied_at) VALUES (1, 0)'); }
    }
    """
    extra = {"lib/second.ts": "export const second = (db: any) =>"
                              " db.exec('INSERT INTO schema_versions (version, applied_at) VALUES (2, 0)');\n",
             "lib/third.ts": "export function third(db: any) {"
                             " db.exec('INSERT INTO schema_versions (version, applied_at) VALUES (3, 0)'); }\n"}
    code, report = check(tmp_path, capsys, store, extra=extra)
    assert (code, applied(report)) == (0, [1, 2, 3])


def test_a_name_an_undecided_branch_assigns_is_unknown_after_it_at_any_depth(tmp_path, capsys) -> None:
    store = f"""
    export class Store {{
      constructor(private db: any, flag?: boolean) {{
        let skip = false;
        {{ if (flag) {{ skip = true; }} }}
        let done = false;
        rows().forEach((row: any) => {{ done = true; }});
        if (!skip) this.m1();
        if (!done) this.m2();
        this.m3();
      }}
      m1(): void {{ {RECORD.format(n=1)} }}
      m2(): void {{ {RECORD.format(n=2)} }}
      m3(): void {{ {RECORD.format(n=3)} }}
    }}
    """
    code, report = check(tmp_path, capsys, store.replace("export class", "import { rows } from 'pkg';\nexport class"))
    assert (code, applied(report)) == (0, [1, 2, 3])


def test_the_records_nothing_the_message_advises_lets_the_check_pass(tmp_path, capsys) -> None:
    store = f"""
    import {{ cleanupSql }} from 'pkg';
    export class Store {{
      constructor(private db: any) {{ this.m1(); this.m2(); this.m3(); this.cleanup(); }}
      cleanup(): void {{ this.db.run(cleanupSql()); }}
      m1(): void {{ {RECORD.format(n=1)} }}
      m2(): void {{ {RECORD.format(n=2)} }}
      m3(): void {{ {RECORD.format(n=3)} }}
    }}
    """
    code, error = check(tmp_path, capsys, store)
    assert code == 2
    assert 'list it in [tool.bundler] records-nothing ("store.ts:Store.cleanup")' in error
    code, report = check(tmp_path, capsys, store, table='records-nothing = ["store.ts:Store.cleanup"]\n')
    assert (code, applied(report)) == (0, [1, 2, 3])


# --- this[`m${n}`](): a name built from a number, as Python's getattr(self, f"m{n}") ---------------

def numbered_store(call: str, methods: tuple[int, ...] = (1, 2, 3), extra: str = "") -> str:
    steps = "\n".join(f"  m{n}(): void {{ {RECORD.format(n=n)} }}" for n in methods)
    return (f"export class Store {{\n  constructor(private db: any) {{ {call} }}\n"
            f"  current(): number {{ return this.db.pragma('user_version', {{ simple: true }}); }}\n"
            f"  migrateAll(): void {{}}\n{steps}\n{extra}}}\n")


COUNTER_LOOP = "for (let n = this.current() + 1; n <= 3; n++) { (this as any)[`m${n}`](); }"


@pytest.mark.parametrize(("methods", "verdict"), [((1, 2, 3), (0, [1, 2, 3])), ((1, 3), (1, [1, 3]))])
def test_a_counter_built_into_a_method_name_applies_every_numbered_method(tmp_path, capsys, methods, verdict) -> None:
    code, report = check(tmp_path, capsys, numbered_store(COUNTER_LOOP, methods))
    assert (code, applied(report)) == verdict  # migrateAll fits m... but carries no number: a counter never builds it


# A counter from a number read from the database stops at its loop's bound: m3 runs only when the
# bound reaches it (one short, 3 is missing), however the name or the bound is built.
BOUNDED_LOOPS = (
    "for (let n = this.current() + 1; n < {stop}; n++) {{ this[`m${{n}}`](); }}",
    "for (let n = this.current() + 1; n <= {last}; n++) {{ this['m' + n](); }}",
    "for (let n = this.current() + 1; n <= LAST; n++) {{ const name = `m${{n}}`; this[name](); }}",
    "for (let n = this.current(); n < {last}; n++) {{ this[`m${{n + 1}}`](); }}",
    "for (let n = this.current(); n <= {last}; n += 1) {{"
    " if (n === {last} + 1) this.m3(); this[`m${{n + 2 - 2}}`](); }}",
    "const steps = [() => this.m1(), () => this.m2(), () => this.m3()];"
    " for (let n = this.current(); n < {last}; n++) {{ steps[n](); }}",
    "for (let n = LAST; n > this.current(); n--) {{ this[`m${{n}}`](); }}",
)


@pytest.mark.parametrize("loop", BOUNDED_LOOPS)
@pytest.mark.parametrize(("last", "verdict"), [(3, (0, [1, 2, 3])), (2, (1, [1, 2]))])
def test_a_counter_from_an_unknown_start_builds_names_only_within_its_bound(tmp_path, capsys, loop, last,
                                                                           verdict) -> None:
    store = f"const LAST = {last};\n" + numbered_store(loop.format(stop=last + 1, last=last))
    code, report = check(tmp_path, capsys, store)
    assert (code, applied(report)) == verdict
    if code == 1 and "steps" not in loop:  # the fix is at the loop's bound, not a call of m3
        assert "(the bounds of its loop): widen them to reach 3" in report["findings"][0]["message"]


def test_a_counter_or_a_bound_the_body_assigns_bounds_nothing_by_its_first_value(tmp_path, capsys) -> None:
    call = ("for (let n = 2; n < this.current(); n++) {"
            " this[`m${n}`](); if (this.db.pragma('redo')) { n = 0; } }")  # the next round runs m1
    code, report = check(tmp_path, capsys, numbered_store(call))
    assert (code, applied(report)) == (0, [1, 2, 3])
    code, report = check(tmp_path, capsys, numbered_store(call.replace("n = 0", "this.db.pragma('x')")))
    assert (code, applied(report)) == (1, [2, 3])  # from 2 upwards: m1 never runs
    call = "let last = 2; for (let n = this.current() + 1; n < last; n++) { this[`m${n}`](); last = 4; }"
    code, report = check(tmp_path, capsys, numbered_store(call))
    assert (code, applied(report)) == (0, [1, 2, 3])  # the bound it meets in the second round is 4


def test_texts_picked_by_a_counter_are_not_steps_to_call(tmp_path, capsys) -> None:
    sql = "const SQL = ['INSERT INTO schema_versions (version) VALUES (1)'];\n"
    call = "for (let n = this.current(); n < 1; n++) { this.db.exec(SQL[n]); }"
    code, error = check(tmp_path, capsys, sql + numbered_store(call))
    assert code == 2
    assert "SQL text that cannot be read statically): this.db.exec(SQL[n]);" in error


def test_a_counter_already_past_its_bound_never_runs_its_body(tmp_path, capsys) -> None:
    call = ("for (let n = 1; n < this.current(); n++) {"
            " for (let k = n + 5; k < 4; k++) { this.stray(); } this[`m${n}`](); }")  # k starts at 6 at least
    code, report = check(tmp_path, capsys, numbered_store(call, extra=f"  stray(): void {{ {RECORD.format(n=9)} }}\n"))
    assert (code, applied(report)) == (0, [1, 2, 3])


def test_a_value_of_unknown_kind_built_into_a_name_selects_among_numbered_methods(tmp_path, capsys) -> None:
    call = "const version = this.db.pragma('user_version'); this[`m${version}`]();"
    code, report = check(tmp_path, capsys, numbered_store(call).replace("  migrateAll(): void {}\n", ""))
    assert (code, applied(report)) == (0, [1, 2, 3])
    code, error = check(tmp_path, capsys, numbered_store(call))  # m + "igrateAll": the value may be any text
    assert code == 2
    assert "this[`m${version}`]()" in error and "a member whose name the checker cannot build" in error


def test_a_name_with_two_unknown_parts_cannot_be_built(tmp_path, capsys) -> None:
    call = "for (let n = this.current(); n < 3; n++) { this[`m${n}${n}`](); }"
    code, error = check(tmp_path, capsys, numbered_store(call))
    assert code == 2
    assert "Store.constructor calls methods through this[`m${n}${n}`]()" in error


# --- head and fresh-stores, as for Python ----------------------------------------------------------

MIRROR = "\n".join(f"  m{n}(): void {{ {RECORD.format(n=n)} }}" for n in (1, 2, 3))


@pytest.mark.parametrize(("head", "extra", "verdict"), [
    ("schema.ts:SCHEMA_VERSION", "export const SCHEMA_VERSION = 3;\n", (0, "")),
    ("schema.ts:SCHEMA_VERSION", "export const SCHEMA_VERSION = 4;\n",
     (1, "schema.ts:1: missing-migration: the declared head schema.ts:SCHEMA_VERSION is 4, but no step of"
         " Runner.runAll records version 4")),
    ("schema.ts:Schema.VERSION", "export class Schema {\n  static VERSION = 2;\n}\n",
     (1, "records version 3, beyond the declared head schema.ts:Schema.VERSION = 2 (schema.ts:2)")),
])
def test_a_declared_head_is_read_from_a_constant_or_a_static_field(tmp_path, capsys, head, extra,
                                                                    verdict) -> None:
    store = numbered_store("this.m1(); this.m2(); this.m3();")
    (tmp_path / "pyproject.toml").write_text('[tool.bundler]\nrunner = "runner.ts:Runner.runAll"\n'
                                             f'stores = ["store.ts:Store.constructor"]\nhead = "{head}"\n')
    for name, code in {"runner.ts": RUNNER, "store.ts": store, "schema.ts": extra}.items():
        (tmp_path / name).write_text(code)
    code = main(["check", "--config", str(tmp_path / "pyproject.toml"), "--root", str(tmp_path)])
    output = capsys.readouterr()
    assert code == verdict[0]
    assert verdict[1] in output.out + output.err


@pytest.mark.parametrize(("stamp", "verdict"), [(3, 0), (2, 1)])
def test_a_fresh_schema_path_applies_every_number_up_to_its_stamp(tmp_path, capsys, stamp, verdict) -> None:
    fresh = (f"this.db.exec('CREATE TABLE items (id INTEGER)');"
             f" this.db.exec('INSERT INTO schema_versions (version) VALUES ({stamp})');")
    store = (f"export class Store {{\n  constructor(private db: any, fresh: boolean) {{\n"
             f"    if (fresh) {{ this.createFresh(); }} else {{ this.m1(); this.m2(); this.m3(); }}\n  }}\n"
             f"  createFresh(): void {{ {fresh} }}\n{MIRROR}\n}}\n")
    table = 'fresh-stores = ["store.ts:Store.createFresh"]\n'
    code, report = check(tmp_path, capsys, store, table=table)
    assert code == verdict
    fresh_path = next(path for path in report["paths"] if path["name"] == "Store.createFresh")
    assert fresh_path["applied"] == ([1, 2, 3] if stamp == 3 else [1, 2])
    assert applied(report) == [1, 2, 3]  # the store calling it applies what it stamps, or the steps


@pytest.mark.parametrize(("tsconfig", "base"), [
    ('{"extends": "./tsconfig.base.json"}', '{"compilerOptions": {"baseUrl": ".", "paths": {"@lib/*": ["lib/*"]}}}'),
    # paths without baseUrl are relative to the file that sets them; the extending file's options win
    ('{"extends": ["./configs/base"], "compilerOptions": {"strict": true}}',
     '{"compilerOptions": {"paths": {"@lib/*": ["../lib/*"]}}}'),
])
def test_tsconfig_aliases_are_read_along_extends(tmp_path, capsys, tsconfig: str, base: str) -> None:
    (tmp_path / "configs").mkdir()
    (tmp_path / "lib").mkdir()
    (tmp_path / "tsconfig.json").write_text(tsconfig)
    (tmp_path / "tsconfig.base.json").write_text(base)
    (tmp_path / "configs" / "base.json").write_text(base)
    store = """
    import { second } from '@lib/second';
    export class Store {
      constructor(private db: any) { this.db.exec('INSERT INTO schema_versions (version) VALUES (1)'); second(db); }
    }
    """
    extra = {"lib/second.ts": "export const second = (db: any) =>"
                              " db.exec('INSERT INTO schema_versions (version, applied_at) VALUES (2, 0)');\n"}
    code, report = check(tmp_path, capsys, store, extra=extra)
    assert (code, applied(report)) == (1, [1, 2])


def test_a_tsconfig_extending_what_is_not_there_is_refused(tmp_path, capsys) -> None:
    (tmp_path / "tsconfig.json").write_text('{"extends": "@company/tsconfig/base.json"}')
    code, error = check(tmp_path, capsys, numbered_store("this.m1();"))
    assert code == 2
    assert "tsconfig.json: extends '@company/tsconfig/base.json', which is not there" in error


@pytest.mark.parametrize(("loop", "numbers"), [
    ("for (let n = 1; n <= 2; n++) { this[`m${n}`](); }", [1, 2]),
    ("for (let n = 3; n > 1; n -= 1) { this[`m${n}`](); }", [3, 2]),
    ("for (let n = 1; n < 9; n += 2) { if (n > 3) break; this[`m${n}`](); }", [1, 3]),
])
def test_a_counter_from_a_known_start_to_a_known_bound_takes_each_number(tmp_path, capsys, loop, numbers) -> None:
    code, report = check(tmp_path, capsys, numbered_store(loop))
    assert (code, applied(report)) == (1, numbers)  # m3 is not run by 1..2: the registry's 3 is missing
