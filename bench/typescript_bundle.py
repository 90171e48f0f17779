"""Speed of `bundler check --bundle` on an esbuild bundle of several MB (issue 20: "read in well
under a second"), absolute and as a ratio against the same run's tree-sitter parse of the same
bytes (which the check no longer does: it lexes the bundle and parses only the parts it reads),
beside the check of the source without the bundle. The bundle is the TypeScript fixture's, grown
to BUNDLE_MB with minified top-level classes and functions of unrelated code (denser at the top
level than claude-mem's 2.5 MB worker bundle, where most code sits inside module closures)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from timing import paired_best_of

from bundler.check import run_check
from bundler.config import load_config
from bundler.frontends.typescript.parse import parser_for

ROOT = Path(__file__).resolve().parents[1]
WORKER = ROOT / "tests" / "fixtures" / "typescript" / "worker"
BUNDLE_MB = 5
REPEAT = 5


def grown_bundle(folder: Path) -> Path:
    """The fixture's bundle with other modules' minified code around it, as esbuild lays it out."""
    bundle = (WORKER / "plugin" / "worker-service.cjs").read_text()
    filler = []
    size, index = 0, 0
    while size < BUNDLE_MB * 1_000_000:
        chunk = (f'var c{index}=class{{constructor(e){{this.e=e,this.n={index}}}get{index}(t){{return t?this.e.query('
                 f'"SELECT * FROM t{index} WHERE id = ?").get(t):`none ${{this.n}}`}}list(){{return[...this.e.all()]'
                 f'.filter(r=>r.k!=="x{index}").map(r=>({{...r,n:{index}}}))}}}};function f{index}(t){{return t&&t.'
                 f'length>{index % 7}?new c{index}(t):null}}')
        filler.append(chunk)
        size += len(chunk)
        index += 1
    half = len(filler) // 2
    path = folder / "plugin" / "big.cjs"
    path.write_text("".join(filler[:half]) + "\n" + bundle + "\n" + "".join(filler[half:]))
    return path


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name) / "worker"
        shutil.copytree(WORKER, folder)
        bundle = grown_bundle(folder)
        data = bundle.read_bytes()
        config = load_config(str(folder / "pyproject.toml"))
        parse = parser_for(".cjs")
        floor, checked = paired_best_of(lambda: parse.parse(data), lambda: run_check(config, [bundle]), REPEAT)
        source, _ = paired_best_of(lambda: run_check(config), lambda: None, REPEAT)
    print(f"check --bundle of a {len(data) / 1e6:.1f} MB esbuild bundle: {checked * 1000:.0f} ms; a whole"
          f" tree-sitter parse {floor * 1000:.0f} ms ({checked / floor:.2f}x); the source alone {source * 1000:.0f} ms")


if __name__ == "__main__":
    main()
