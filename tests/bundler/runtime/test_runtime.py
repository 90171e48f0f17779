"""bundler check --runtime: every path run in a subprocess, schemas compared, upgrades keep every row.

The fixture code base under tests/fixtures/runtime/ has one registry and one store per defect
that the static check cannot see; ``expected.toml`` holds each configuration's verdict.
"""

from __future__ import annotations

import json
import time
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from bundler.cli import main
from bundler.config import load_config
from bundler.errors import ConfigError
from bundler.runtime.parity import SERIAL_COMPILE_LIMIT, differences, python_modules, runtime_findings, shiv_environment

RUNTIME_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "runtime"
EXPECTED = tomllib.loads((RUNTIME_FIXTURES / "expected.toml").read_text())


@pytest.mark.parametrize("variant", sorted(EXPECTED))
def test_runtime_verdict(variant: str, capsys) -> None:
    config = RUNTIME_FIXTURES / f"{variant}.toml"
    started = time.monotonic()
    code = main(["check", "--runtime", "--config", str(config), "--format", "json"])
    elapsed = time.monotonic() - started
    report = json.loads(capsys.readouterr().out)

    messages = [f["message"] for f in report["findings"]]
    assert code == EXPECTED[variant]["exit"], messages
    assert len(messages) == len(EXPECTED[variant]["findings"]), messages
    for expected, message in zip(EXPECTED[variant]["findings"], messages, strict=True):
        assert expected in message
    assert elapsed < 30  # a path that hangs is cut off by its timeout, never waited for


def test_every_defect_passes_the_static_check(capsys) -> None:
    """The point of runtime parity: these mirrors all record the right numbers."""
    for variant in ("no_index", "text_pid", "rebuild", "crash", "fresh_stale"):
        assert main(["check", "--config", str(RUNTIME_FIXTURES / f"{variant}.toml")]) == 0, variant
    capsys.readouterr()


def test_findings_name_the_path_and_point_at_its_callable() -> None:
    [fresh, upgrade] = runtime_findings(load_config(str(RUNTIME_FIXTURES / "no_index.toml"), root=str(RUNTIME_FIXTURES)))
    assert fresh.path == "app.store_no_index:open_path"
    assert (fresh.location.file, fresh.location.line) == ("src/app/store_no_index.py", 24)
    assert "on a fresh database" in fresh.message and "upgrading old_queue.sql" in upgrade.message


def test_the_worker_passes_from_source(worker_project: Path) -> None:
    assert runtime_findings(load_config(str(worker_project / "pyproject.toml"))) == []


def test_the_worker_passes_from_its_bundle(built_project: Path, capsys) -> None:
    bundle = built_project / "build" / "worker-service.pyz"
    assert main(["check", "--runtime", "--config", str(built_project / "pyproject.toml"), "--bundle", str(bundle)]) == 0
    assert capsys.readouterr().out.startswith("verified:")


def test_schema_differences_are_named() -> None:
    table = {"virtual": False, "columns": {"a": {"type": "INTEGER", "notnull": False, "default": None, "pk": 0}},
             "foreign_keys": []}
    expected = {"tables": {"t": table}, "indexes": {"i": {"table": "t", "columns": ["a"], "unique": True, "where": None}},
                "triggers": {}, "views": {}, "versions": [1, 2]}
    actual = {"tables": {"t": {**table, "columns": {}}, "u": table}, "indexes": {}, "triggers": {}, "views": {},
              "versions": [1]}
    assert list(differences(expected, actual)) == [
        "column t.a is missing", "table u is extra", "index i is missing",
        "recorded versions differ (missing [2], extra none)",
    ]


def test_a_runtime_section_is_required(tmp_path: Path, capsys) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.bundler]\nrunner = "r.py:R.run"\nstores = ["s.py:S.__init__"]\n'
    )
    (tmp_path / "r.py").write_text("class R:\n    def run(self):\n        self.c.execute('INSERT INTO schema_versions VALUES (1, 0)')\n")
    (tmp_path / "s.py").write_text("class S:\n    def __init__(self):\n        self.c.execute('INSERT INTO schema_versions VALUES (1, 0)')\n")
    assert main(["check", "--runtime", "--config", str(tmp_path / "pyproject.toml")]) == 2
    assert "needs [tool.bundler.runtime] runner, and stores or fresh-stores" in capsys.readouterr().err


def test_the_paths_run_the_bundles_code_not_the_source(built_project: Path, tmp_path: Path, capsys) -> None:
    """A bundle whose store drifted from a correct source: only the bundle's code can show it."""
    import zipfile

    bundle = built_project / "build" / "worker-service.pyz"
    drifted = tmp_path / "drifted.pyz"
    member = "site-packages/worker/store/session_store.py"
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(drifted, "w") as copy:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == member:
                data = data.replace(b"steps.add_pending_claim_columns(self.conn)",
                                    b'steps.add_missing_columns(self.conn, "pending_messages", [("worker_pid", "TEXT")])')
            copy.writestr(info, data)
    findings = runtime_findings(load_config(str(built_project / "pyproject.toml")), drifted)
    messages = " ".join(f.message for f in findings)
    assert "column pending_messages.worker_pid differs: type 'INTEGER' vs 'TEXT'" in messages
    assert f"on a fresh database inside {drifted}" in messages
    assert runtime_findings(load_config(str(built_project / "pyproject.toml"))) == []

    # Given several bundles, --runtime runs the paths from each, and says which one drifted.
    code = main(["check", "--runtime", "--config", str(built_project / "pyproject.toml"), "--format", "json",
                 "--bundle", str(drifted), "--bundle", str(bundle)])
    report = json.loads(capsys.readouterr().out)
    drift = [f["message"] for f in report["findings"] if f["code"] == "schema-drift"]
    assert code == 1 and drift and all(f"inside {drifted}" in message for message in drift)


@pytest.mark.parametrize("modules, workers", [(3, "1"), (SERIAL_COMPILE_LIMIT, "0")])
def test_a_bundle_is_started_with_its_own_shiv_root_and_compiles_small_bundles_in_one_process(
    tmp_path: Path, monkeypatch, modules: int, workers: str,
) -> None:
    import zipfile

    bundle = tmp_path / "app.pyz"
    with zipfile.ZipFile(bundle, "w") as archive:
        for n in range(modules):
            archive.writestr(f"site-packages/app/m{n}.py", "")
        archive.writestr("site-packages/app/data.json", "{}")
    monkeypatch.setenv("SHIV_ENTRY_POINT", "somewhere.else:main")
    with zipfile.ZipFile(bundle) as archive:
        env = shiv_environment(tmp_path / "root", python_modules(archive.namelist()))
    assert env["SHIV_ROOT"] == str(tmp_path / "root") and env["SHIV_COMPILE_WORKERS"] == workers
    assert "SHIV_ENTRY_POINT" not in env


def test_a_launcher_extracts_the_bundle_by_its_first_start_and_keeps_what_that_start_said(
    built_project: Path, tmp_path: Path,
) -> None:
    from bundler.runtime.parity import Launcher

    bundle = built_project / "build" / "worker-service.pyz"
    with Launcher(built_project, bundle, 60, entry_arguments=("--version",)) as launcher:
        launcher.prepare(tmp_path)
        assert launcher.extracted is not None and (launcher.extracted / "worker" / "store").is_dir()
        started = launcher.started()
        assert started is not None and started.returncode == 0
        assert started.stdout.strip().startswith("worker-service ")
    with Launcher(built_project, bundle, 60, shiv_root=launcher.shiv_root) as again:
        again.prepare(tmp_path)  # the same root: already extracted, nothing is started
        assert again.extracted == launcher.extracted and again.started() is None


def test_a_bundle_that_cannot_be_extracted_is_named_with_the_cause(tmp_path: Path) -> None:
    import zipfile

    from bundler.errors import BundleError
    from bundler.runtime.parity import Launcher

    bundle = tmp_path / "broken.pyz"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("environment.json", '{"build_id": "x"}')
        archive.writestr("__main__.py", "raise SystemExit('bootstrap: cannot start')")
    with Launcher(tmp_path, bundle, 60) as launcher, pytest.raises(BundleError) as error:
        launcher.prepare(tmp_path)
    assert "shiv did not extract the bundle: it cannot run (bootstrap: cannot start)" in str(error.value)


def test_a_fresh_schema_path_is_compared_by_the_version_it_stamps() -> None:
    chain = {"tables": {}, "indexes": {}, "triggers": {}, "views": {}, "versions": [27, 28]}
    assert list(differences(chain, {**chain, "versions": [28]}, stamped=True)) == []
    assert list(differences(chain, {**chain, "versions": [27]}, stamped=True)) == [
        "stamps version 27, but the chain ends at 28"]
    assert list(differences(chain, {**chain, "versions": [28]})) == [
        "recorded versions differ (missing [27], extra none)"]


# Paths that take an open connection, and the version's rows as configured (issue 18.9): each
# configuration under tests/fixtures/runtime/ → the text of each finding, in order.
CONNECTION_VERDICTS = {
    "connection": [],
    "connection_drift": ["app.notebook:upgrade_with_stale_fresh(connection, path) differs from what it builds on a"
                         " fresh database, upgrading app.notebook:build_revision_1(connection):"
                         " column notes.pinned is extra"],
    "version_key": [],
    "version_key_loss": ["loses 1 of 1 row(s) of settings while upgrading app.notebook:build_settings_1(connection)"],
}


@pytest.mark.parametrize("variant", sorted(CONNECTION_VERDICTS))
def test_callables_taking_a_connection_and_the_version_rows_as_configured(variant: str) -> None:
    config = load_config(str(RUNTIME_FIXTURES / f"{variant}.toml"), root=str(RUNTIME_FIXTURES))
    messages = [f.message for f in runtime_findings(config)]
    assert len(messages) == len(CONNECTION_VERDICTS[variant]), messages
    for expected, message in zip(CONNECTION_VERDICTS[variant], messages, strict=True):
        assert expected in message


def test_only_the_configured_version_table_is_bookkeeping() -> None:
    """Revision 1's row replaced by 3's is no loss only because revision is the configured table."""
    config = load_config(str(RUNTIME_FIXTURES / "connection.toml"), root=str(RUNTIME_FIXTURES))
    assert runtime_findings(replace(config, version_table="notes")) != []  # the notes are data


@pytest.mark.parametrize("runner, said", [
    ("app.notebook:upgrade", "cannot be called as app.notebook:upgrade(path): it takes (conn, filename, fresh="),
    ("app.notebook:upgrade(connection)", "it takes (conn, filename, fresh="),
    ("app.notebook:nothing_here(connection)", "module app.notebook has no function nothing_here"),
    ("app.elsewhere:upgrade(connection)", "there is no module app.elsewhere"),
    ("app.notebook:upgrade(db, path)", "'db' is no argument the runner can pass"),
    ("app.notebook:upgrade(connection", "is not of the form package.module:function"),
])
def test_a_callable_that_cannot_be_called_as_configured_is_one_line_naming_it(
    tmp_path: Path, capsys, runner: str, said: str,
) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text((RUNTIME_FIXTURES / "connection.toml").read_text().replace(
        '"app.notebook:upgrade(connection, path)"', json.dumps(runner)))
    (tmp_path / "src").symlink_to(RUNTIME_FIXTURES / "src")
    with pytest.raises(ConfigError) as error:
        runtime_findings(load_config(str(config)))
    message = str(error.value)
    assert said in message and runner in message and "\n" not in message
    assert message.startswith(str(config))


def test_an_upgrade_fixture_built_by_a_callable_that_fails_is_named(tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text((RUNTIME_FIXTURES / "connection.toml").read_text().replace(
        "build_revision_1(connection)", "build_revision_1(path)"))
    (tmp_path / "src").symlink_to(RUNTIME_FIXTURES / "src")
    with pytest.raises(ConfigError) as error:
        runtime_findings(load_config(str(config)))
    assert "upgrade fixture 'app.notebook:build_revision_1(path)' failed: AttributeError" in str(error.value)


def test_a_launchers_niceness_lowers_its_paths_priority(tmp_path: Path) -> None:
    # a build's smoke run yields to pip and shiv, which the build waits for
    import os

    from bundler.runtime.calls import parse_call
    from bundler.runtime.parity import Launcher

    site_packages = tmp_path / "site-packages"
    site_packages.mkdir()
    (site_packages / "probe.py").write_text(
        "import os\n\ndef record(path):\n    open(path + '.nice', 'w').write(str(os.nice(0)))\n")
    database = tmp_path / "db.sqlite"
    launcher = Launcher(tmp_path, tmp_path / "bundle.pyz", 60, extracted=site_packages, niceness=3)
    assert launcher.run(parse_call("probe:record", "test"), [database]) == {database: None}
    assert int(Path(f"{database}.nice").read_text()) == min(19, os.nice(0) + 3)
