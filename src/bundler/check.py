"""``bundler check`` as an API: configuration in, a CheckResult out (or a BundlerError)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import libcst as cst

from bundler.config import Config
from bundler.errors import BundleError, ConfigError, SourceError, UnresolvableError
from bundler.frontends import TYPESCRIPT, language_of_entries
from bundler.frontends.python import styles
from bundler.frontends.python.styles import version_chain
from bundler.frontends.python.extract import Extractor
from bundler.model import (
    BuiltFrom, CheckResult, Code, EntrySpec, Finding, Head, Location, MigrationList, Severity,
)
from bundler.frontends.sql.records import RecordingRules
from bundler.frontends.python.sources import Archive, ModuleSet, ProjectFolder, ReadJournal, comments_in, module_name_for
from bundler.findings.fresh import fresh_schema
from bundler.findings.suppress import Comment, apply_suppressions, read_baseline
from bundler.findings.verify import apply_severity, head_findings, verify


def recording_rules(config: Config) -> RecordingRules:
    return RecordingRules(
        version_table=config.version_table,
        version_key=config.version_key,
        user_version=config.version_record == "user_version",
        name_pattern=config.styles.name_pattern if config.style == "naming" else None,
    )


def run_check(config: Config, bundles: Sequence[Path] = (), trees: dict[str, cst.Module] | None = None,
              *, runtime: bool = False, shown_as: Mapping[Path, str] | None = None,
              journal: ReadJournal | None = None) -> CheckResult:
    """Verify every store path against the registry, in the source and inside each bundle (and,
    with ``runtime``, run every path and compare schemas); then set the accepted findings aside.

    ``trees`` carries parsed texts from an earlier check in the same process (the build checks
    the source, then the bundle built from it); ``shown_as`` names a bundle as the user knows it
    (the build checks a temporary file that becomes build/<bundle>); ``journal`` is told of every
    source file read or looked for (the cache's dependencies)."""
    runner, stores = config.require_entries()
    if language_of_entries((runner, *stores, *config.fresh_stores)) == TYPESCRIPT:
        return run_typescript_check(config, runner, stores, bundles, runtime=runtime, shown_as=shown_as)
    source = ModuleSet(ProjectFolder(config.root, prefix=config.display_prefix, journal=journal), trees,
                       vouched_functions(config.ignore_syntax_errors_in))
    registry, paths, head = extract_lists(source, config, runner, stores)
    findings = verify(registry, paths, config.severity, head, config.base)
    copies: list[ModuleSet] = []
    for bundle in bundles:
        archive, bundle_registry, bundle_paths, bundle_head, stale = check_bundle(
            Path(bundle), source, runner, stores, config, (shown_as or {}).get(Path(bundle)))
        copies.append(archive)
        paths += bundle_paths
        inside = verify(registry, bundle_paths, config.severity) + stale
        if bundle_head is not None:  # every step must be inside the archive too
            inside += apply_severity(head_findings(bundle_registry, bundle_head, config.base), config.severity)
        findings += with_sources(inside, archive, source)
    if runtime:
        from bundler.runtime.parity import runtime_findings  # runs subprocesses: only when asked

        findings += [finding for bundle in (bundles or [None]) for finding in runtime_findings(config, bundle)]
    return accepted(config, registry, paths, findings, [c for m in source.loaded() for c in comments_in(m)],
                    [c for s in copies for m in s.loaded() for c in comments_in(m)], runtime=runtime,
                    bundles=bool(bundles))


def accepted(config: Config, registry: MigrationList, paths: Sequence[MigrationList], findings: list[Finding],
             own: Sequence[Comment], copies: Sequence[Comment], *, runtime: bool,
             bundles: bool) -> CheckResult:
    """The result, with the findings the baseline or a comment accepts set aside."""
    checked = set(Code) - ({Code.SCHEMA_DRIFT, Code.DATA_LOSS} if not runtime else set()) \
        - ({Code.STALE_BUNDLE} if not bundles else set())
    baseline = read_baseline(config.baseline, config.display_prefix + config.baseline.relative_to(
        config.root.resolve()).as_posix() if config.baseline else "")
    active, suppressed = apply_suppressions(findings, own, copies, baseline, config.severity, checked)
    return CheckResult(registry=registry, paths=tuple(paths), findings=tuple(active), suppressed=tuple(suppressed))


def run_typescript_check(config: Config, runner: EntrySpec, stores: Sequence[EntrySpec], bundles: Sequence[Path],
                         *, runtime: bool, shown_as: Mapping[Path, str] | None) -> CheckResult:
    """The same check of a TypeScript or JavaScript code base, and of its esbuild bundles."""
    if runtime:
        raise ConfigError("--runtime runs Python paths only; TypeScript and JavaScript are checked statically")
    from bundler.frontends.typescript.extract import differs, extract_lists  # the typescript extra

    registry, paths, copies, comments, head = extract_lists(config, runner, stores, bundles, dict(shown_as or {}))
    findings = verify(registry, paths, config.severity, head, config.base)
    for copy in copies:
        findings += verify(registry, list(copy.paths), config.severity)
        for original, bundled in zip(copy.sources, copy.paths):
            if differs(original, bundled):
                what = (f"applies {listed(bundled)}, but its source {original.location} applies {listed(original)}"
                        if bundled.applied() != original.applied() else
                        f"applies its source's numbers ({original.location}) by other methods or in another order")
                findings += apply_severity([Finding(
                    Code.STALE_BUNDLE, Severity.ERROR, f"the copy of {original.name} in {copy.label} {what};"
                    " rebuild the bundle", bundled.location)], config.severity)
        paths += list(copy.paths)
    return accepted(config, registry, paths, findings, comments, [], runtime=False, bundles=bool(bundles))


def listed(path: MigrationList) -> str:
    return ", ".join(map(str, path.applied())) or "nothing"


def extract_lists(
    modules: ModuleSet, config: Config, runner: EntrySpec, stores: Sequence[EntrySpec]
) -> tuple[MigrationList, list[MigrationList], Head | None]:
    """The registry, every store path (each by the configured registry style), the head."""
    extractor = Extractor(modules, recording_rules(config), runner, vouched_functions(config.records_nothing))
    registry = migration_list(extractor, runner, config)
    if not registry.applied():
        from bundler.frontends.python.suggest import why_nothing_is_recorded

        module = extractor.module_for(runner)
        raise SourceError(
            f"the registry {registry.name} records no version number: nothing to check against"
            + why_nothing_is_recorded(module.text, runner.class_name, runner.method, config.version_record,
                                      config.style),
            where=str(registry.location),
        )
    extractor.registry = registry
    head = extractor.declared_head(found_in(modules, config.head)) if config.head is not None else None
    extractor.fresh_entries = {entry for spec in config.fresh_stores
                               if (entry := extractor.entry_function(found_in(modules, spec))) is not None}
    paths = [path_list(extractor, store, config, registry) for store in stores]
    paths += [fresh_schema(path_list(extractor, found_in(modules, spec), config, registry, fresh=True), registry)
              for spec in config.fresh_stores]
    return registry, [with_fix_hints(extractor, path, registry) for path in paths], head


def with_fix_hints(extractor: Extractor, path: MigrationList, registry: MigrationList) -> MigrationList:
    """A path lacking numbers, with where its calls are (a missing number's finding points at
    its neighbour's) and the methods of its class that record them but are never called."""
    lacking = set(registry.applied()) - set(path.applied())
    if not lacking:
        return path
    uncalled = tuple(m for m in extractor.uncalled_recorders(path) if lacking & set(m.versions))
    return replace(extractor.with_call_sites(path), uncalled=uncalled)


def vouched_functions(specs: Sequence[EntrySpec]) -> list[EntrySpec]:
    """Each function the configuration vouches for, named as in the source and as inside a bundle."""
    targets = []
    for spec in specs:
        targets.append(spec)
        dotted = module_name_for(spec.target) if spec.target.endswith(".py") else None
        if dotted is not None:
            targets.append(replace(spec, target=dotted))
    return targets


def migration_list(extractor: Extractor, spec: EntrySpec, config: Config) -> MigrationList:
    return styles.migration_list(extractor, spec, config.style, config.styles)


# Styles whose paths are structures of their own (a second list, a file of decorated steps) when
# the spec names one; a function or method named as a path is run, in these as in every style.
INTERPRETED_PATH_STYLES = ("methods", "naming", "records", "decorators", "subclasses")


def path_list(extractor: Extractor, spec: EntrySpec, config: Config, registry: MigrationList,
              fresh: bool = False) -> MigrationList:
    """What a path applies: a function or method is run by the interpreter, so calling the
    registry's entry (a chain, a list's runner) applies everything the registry applies, and a
    fresh-schema function applies what it stamps. In the version-chain and modules styles, a
    path that does not call the registry and is written in the style's own shape (a copy of
    the chain with its own blocks, a runner importing version modules by a built name) is read
    as the style reads the registry."""
    entry = extractor.entry_function(spec)
    if entry is None:
        return migration_list(extractor, spec, config)
    if entry == extractor.options.registry_entry and not fresh:
        return registry  # the registry's own entry, named as a path too: the same code
    if fresh or config.style in INTERPRETED_PATH_STYLES:
        return extractor.migration_list(spec)
    try:
        interpreted = extractor.migration_list(spec)
    except UnresolvableError:
        if not styles.written_in_style(extractor, spec, config.style):
            raise
        return migration_list(extractor, spec, config)
    calls_registry = bool(set(interpreted.migrations) & set(registry.migrations))
    # a module's number is in its file name: a modules-style path applies what running the
    # modules' step function applies; one that runs none is read by the style when it imports
    # the modules by a built name, and otherwise applies none
    if calls_registry or not styles.written_in_style(extractor, spec, config.style) \
            or (config.style == "modules" and interpreted.applied()):
        return interpreted
    if config.style == "version-chain":
        return version_chain.copy_path(extractor, spec, config.styles)
    return migration_list(extractor, spec, config)


def found_in(modules: ModuleSet, spec: EntrySpec) -> EntrySpec:
    """A configured spec as this module set finds it: a path in the source, a module name inside an archive."""
    return spec if isinstance(modules.origin, ProjectFolder) else archive_spec(spec)


def archive_spec(spec: EntrySpec) -> EntrySpec:
    """A source spec as found inside an archive: by module name, under site-packages/."""
    if spec.target.endswith(".py") or "/" in spec.target:
        dotted = module_name_for(spec.target)
        if dotted is None:
            raise SourceError("cannot tell which module this file is inside a bundle", where=spec.target)
        return replace(spec, target=dotted)
    return spec


def with_sources(findings: list[Finding], archive: ModuleSet, source: ModuleSet) -> list[Finding]:
    """Each finding inside a bundle with the source file its member was built from, and its
    message as it reads against the sources (member names replaced, the bundle's name gone), so
    that the baseline accepts it as it accepts the source's own finding."""
    members = {}
    for module in archive.loaded():
        original = source.by_name(module.dotted) if module.dotted else None
        if original is not None:
            members[module.display] = original.display
    if not members:
        return findings
    label = archive.origin.label
    names = sorted(members, key=len, reverse=True)  # a longer member name first: none is cut in two
    pattern = re.compile("|".join(re.escape(name) for name in names))
    built = []
    for finding in findings:
        file = members.get(finding.location.file)
        if file is None:
            built.append(finding)
            continue
        message = pattern.sub(lambda match: members[match.group(0)], finding.message).replace(f" ({label})", "")
        built.append(replace(finding, built_from=BuiltFrom(Location(file, finding.location.line), message)))
    return built


def check_bundle(
    bundle: Path, source: ModuleSet, runner: EntrySpec, stores: Sequence[EntrySpec], config: Config,
    shown_as: str | None = None,
) -> tuple[ModuleSet, MigrationList, list[MigrationList], Head | None, list[Finding]]:
    archive = ModuleSet(Archive(bundle, label=shown_as or ""), source.trees, source.unparsed_allowed)
    stale: list[Finding] = []
    for spec in (runner, *stores, *config.fresh_stores):
        if (config.root / spec.target).is_dir():
            continue  # a folder of version modules: its modules are looked up one by one
        inside = archive_spec(spec)
        module = archive.by_name(inside.target)
        if module is None:
            raise BundleError(
                f"no Python source for {inside.target} inside the archive: cannot verify"
                " (was it built with .py files?)", where=archive.origin.label,
            )
        original = source.by_path(spec.target) if inside is not spec else source.by_name(spec.target)
        if original is not None and original.text != module.text:
            severity = config.severity.get(Code.STALE_BUNDLE, Severity.ERROR)
            if severity is not Severity.OFF:
                stale.append(Finding(
                    Code.STALE_BUNDLE, severity,
                    f"{module.display} differs from its source {original.display}; rebuild the bundle",
                    Location(module.display, 1), None, None,
                ))
    registry_spec = runner if (config.root / runner.target).is_dir() else archive_spec(runner)
    registry, paths, head = extract_lists(archive, config, registry_spec, [archive_spec(s) for s in stores])
    return archive, registry, paths, head, stale
