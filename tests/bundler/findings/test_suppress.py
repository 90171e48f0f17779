"""Suppression comments and the baseline: accepted findings are reported as suppressed, never dropped."""

from __future__ import annotations

import json
from pathlib import Path

from bundler.cli import main

from tests.bundler.conftest import STORE

WITHOUT_28 = STORE.replace("        self.m28()\n", "")


def check_json(capsys, root: Path, *args: str) -> tuple[int, dict]:
    code = main(["check", "--config", str(root / "pyproject.toml"), "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def test_a_comment_with_a_reason_on_the_findings_line_suppresses_it(codebase, capsys) -> None:
    store = WITHOUT_28.replace("        self.m27()\n",
                               "        self.m27()  # bundler: ignore[missing-migration] 28 runs in the launcher\n")
    code, report = check_json(capsys, codebase(store__py=store))
    assert (code, report["ok"], report["findings"]) == (0, True, [])
    [suppressed] = report["suppressed"]
    assert (suppressed["code"], suppressed["version"], suppressed["line"]) == ("missing-migration", 28, 4)
    assert suppressed["suppression"] == {"kind": "comment", "reason": "28 runs in the launcher"}


def test_the_text_report_counts_what_it_suppressed(codebase, capsys) -> None:
    store = WITHOUT_28.replace("        self.m27()\n", "        self.m27()  # bundler: ignore[missing-migration] known\n")
    assert main(["check", "--config", str(codebase(store__py=store) / "pyproject.toml")]) == 0
    assert capsys.readouterr().out == "verified: 1 path applies 1 of the 2 registered migrations, all but 28 (1 suppressed)\n"


def test_a_comment_without_a_reason_suppresses_nothing_and_says_so(codebase, capsys) -> None:
    store = WITHOUT_28.replace("        self.m27()\n", "        self.m27()  # bundler: ignore[missing-migration]\n")
    code, report = check_json(capsys, codebase(store__py=store))
    assert code == 1 and report["suppressed"] == []
    assert [(f["code"], f["severity"]) for f in report["findings"]] == [
        ("missing-migration", "error"), ("unused-suppression", "warning")]
    assert report["findings"][1]["message"].endswith("it gives no reason: say why after the brackets")


def test_an_unused_suppression_is_a_warning_at_its_line(codebase, capsys) -> None:
    store = STORE.replace("        self.m28()\n", "        self.m28()  # bundler: ignore[missing-migration] stale\n")
    code, report = check_json(capsys, codebase(store__py=store))
    assert code == 0
    [finding] = report["findings"]
    assert (finding["code"], finding["severity"], finding["file"], finding["line"]) == (
        "unused-suppression", "warning", "store.py", 5)
    assert "no missing-migration finding is reported on this line" in finding["message"]


def test_a_comment_for_another_code_or_an_unknown_code_does_not_suppress(codebase, capsys) -> None:
    store = WITHOUT_28.replace("        self.m27()\n", "        self.m27()  # bundler: ignore[out-of-order, no-such-code] x\n")
    code, report = check_json(capsys, codebase(store__py=store))
    assert code == 1
    assert "no-such-code is not a finding code" in report["findings"][-1]["message"]


def test_a_hash_inside_a_string_is_not_a_suppression(codebase, capsys) -> None:
    store = WITHOUT_28.replace("        self.m27()\n", "        self.m27(); x = '# bundler: ignore[missing-migration] no'\n")
    code, report = check_json(capsys, codebase(store__py=store))
    assert code == 1 and report["suppressed"] == []


def test_unused_suppressions_can_be_switched_off(codebase, capsys) -> None:
    from tests.bundler.conftest import PYPROJECT

    store = STORE.replace("        self.m28()\n", "        self.m28()  # bundler: ignore[missing-migration] stale\n")
    root = codebase(store__py=store, pyproject__toml=PYPROJECT + '[tool.bundler.severity]\nunused-suppression = "off"\n')
    assert check_json(capsys, root)[1]["findings"] == []


def test_a_baseline_accepts_known_findings_and_new_ones_still_fail(codebase, capsys) -> None:
    from tests.bundler.conftest import PYPROJECT, RUNNER

    root = codebase(store__py=WITHOUT_28, pyproject__toml=PYPROJECT + 'baseline = "bundler-baseline.json"\n')
    baseline = root / "bundler-baseline.json"
    assert main(["check", "--config", str(root / "pyproject.toml"), "--write-baseline", str(baseline)]) == 0
    assert "baseline: 1 finding written to" in capsys.readouterr().err
    written = json.loads(baseline.read_text())
    assert written["format"] == 1 and [f["code"] for f in written["findings"]] == ["missing-migration"]

    code, report = check_json(capsys, root)
    assert (code, report["findings"]) == (0, [])
    assert report["suppressed"][0]["suppression"] == {"kind": "baseline", "reason": "in the baseline bundler-baseline.json"}

    # moving the code keeps the finding known; a new missing number is not
    (root / "store.py").write_text("\n\n" + WITHOUT_28)
    assert check_json(capsys, root)[0] == 0
    runner = RUNNER.replace("        self.m28()\n", "        self.m28()\n        self.m29()\n") + (
        "\n    def m29(self):\n        self.conn.execute(\"INSERT INTO schema_versions (version, applied_at) VALUES (29, 'now')\")\n")
    (root / "runner.py").write_text(runner)
    code, report = check_json(capsys, root)
    assert code == 1 and [f["version"] for f in report["findings"]] == [29]


def test_writing_a_baseline_says_how_to_use_it_when_it_is_not_configured(codebase, capsys, tmp_path) -> None:
    root = codebase(store__py=WITHOUT_28)
    assert main(["check", "--config", str(root / "pyproject.toml"), "--write-baseline", str(tmp_path / "b.json")]) == 0
    assert f'set baseline = "{tmp_path / "b.json"}" in [tool.bundler]' in capsys.readouterr().err


def test_writing_a_baseline_keeps_the_report_on_standard_output_machine_readable(codebase, capsys, tmp_path) -> None:
    root = codebase(store__py=WITHOUT_28)
    code, report = check_json(capsys, root, "--write-baseline", str(tmp_path / "b.json"))
    assert code == 0 and report["findings"] == [] and len(report["suppressed"]) == 1


def test_a_broken_or_missing_baseline_stops_the_check_naming_the_file(codebase, capsys) -> None:
    from tests.bundler.conftest import PYPROJECT

    root = codebase(pyproject__toml=PYPROJECT + 'baseline = "b.json"\n')
    assert main(["check", "--config", str(root / "pyproject.toml")]) == 2
    assert "b.json: baseline file not found; write it with bundler check --write-baseline" in capsys.readouterr().err
    (root / "b.json").write_text("{not json")
    assert main(["check", "--config", str(root / "pyproject.toml")]) == 2
    err = capsys.readouterr().err
    assert "b.json: cannot read the baseline" in err and err.count("\n") == 1


def test_a_baseline_entry_that_matches_no_finding_is_reported_as_unused(codebase, capsys) -> None:
    """As ruff reports an unused noqa: the finding was fixed, the entry should go."""
    from tests.bundler.conftest import PYPROJECT

    root = codebase(store__py=WITHOUT_28, pyproject__toml=PYPROJECT + 'baseline = "bundler-baseline.json"\n')
    baseline = root / "bundler-baseline.json"
    assert main(["check", "--config", str(root / "pyproject.toml"), "--write-baseline", str(baseline)]) == 0
    (root / "store.py").write_text(STORE)  # 28 is applied now
    capsys.readouterr()
    code, report = check_json(capsys, root)
    [stale] = report["findings"]
    assert code == 0 and (stale["code"], stale["severity"]) == ("unused-suppression", "warning")
    assert stale["message"] == ("the baseline entry for missing-migration in store.py (version 28) matches no finding:"
                                " it was fixed; remove the entry (bundler check --write-baseline rewrites the file)")
    assert stale["file"] == "bundler-baseline.json"
    assert '"fingerprint"' in baseline.read_text().splitlines()[stale["line"] - 1]
    # a code this run does not check cannot match: its entries are not called stale
    assert check_json(capsys, root, "--ignore", "missing-migration")[1]["findings"] == []


def test_a_comment_for_a_code_switched_off_on_the_command_line_is_not_unused(codebase, capsys) -> None:
    store = WITHOUT_28.replace("        self.m27()\n", "        self.m27()  # bundler: ignore[missing-migration] known\n")
    root = codebase(store__py=store)
    code, report = check_json(capsys, root, "--ignore", "missing-migration")
    assert (code, report["findings"], report["suppressed"]) == (0, [], [])


def test_a_mistyped_code_in_a_comment_gets_the_nearest(codebase, capsys) -> None:
    store = WITHOUT_28.replace("        self.m27()\n", "        self.m27()  # bundler: ignore[missing-migrations] known\n")
    code, report = check_json(capsys, codebase(store__py=store))
    assert code == 1
    assert report["findings"][-1]["message"] == (
        "the suppression ignore[missing-migrations] suppresses nothing: missing-migrations is not a finding code"
        " (did you mean 'missing-migration'?)")


def test_inside_a_bundle_the_baseline_applies_and_github_and_sarif_name_the_source_file(
        codebase, capsys, tmp_path) -> None:
    """The bundle's copy of a file with an accepted finding is accepted too; a finding only the
    bundle has is named, in GitHub and SARIF output, at the source file it was built from (the
    file a pull request shows), and in text at the archive and its member."""
    import zipfile

    from tests.bundler.conftest import PYPROJECT, RUNNER

    root = codebase(store__py=WITHOUT_28, pyproject__toml=PYPROJECT + 'baseline = "bundler-baseline.json"\n')
    assert main(["check", "--config", str(root / "pyproject.toml"), "--write-baseline",
                 str(root / "bundler-baseline.json")]) == 0
    accepted, changed = tmp_path / "accepted.pyz", tmp_path / "changed.pyz"
    for bundle, store in ((accepted, WITHOUT_28), (changed, WITHOUT_28.replace("        self.m27()\n", ""))):
        with zipfile.ZipFile(bundle, "w") as archive:
            archive.writestr("site-packages/runner.py", RUNNER)
            archive.writestr("site-packages/store.py", store)
    capsys.readouterr()
    assert main(["check", "--config", str(root / "pyproject.toml"), "--bundle", str(accepted)]) == 0
    assert "suppressed" in capsys.readouterr().out

    assert main(["check", "--config", str(root / "pyproject.toml"), "--bundle", str(changed)]) == 1
    assert f"{changed}!site-packages/store.py:" in capsys.readouterr().out
    assert main(["check", "--config", str(root / "pyproject.toml"), "--bundle", str(changed), "--format", "github"]) == 1
    lines = [line for line in capsys.readouterr().out.splitlines() if "version 27" in line]
    assert lines and all(line.startswith("::error file=store.py,line=") for line in lines), lines
    assert main(["check", "--config", str(root / "pyproject.toml"), "--bundle", str(changed), "--format", "sarif"]) == 1
    results = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {"store.py"}
