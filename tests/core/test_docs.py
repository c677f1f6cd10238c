"""The README and the guides stay true: links inside the repository, every setting documented,
the benchmark's results in the bench's own document, no cache committed."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "bench" / "README.md", ROOT / "docs" / "production.md"]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_points_inside_the_repository(doc):
    text = doc.read_text()
    for target in LINK.findall(text):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path = (doc.parent / target).resolve()
        assert path.is_relative_to(ROOT), f"{doc.name} links outside the repository: {target}"
        assert path.exists(), f"{doc.name} links to a missing file: {target}"
    assert "../shared" not in text
    assert "shared folder" not in text


def test_the_benchmark_results_live_in_the_bench_document():
    readme = (ROOT / "README.md").read_text()
    bench = (ROOT / "bench" / "README.md").read_text()
    assert "bench:latest" not in readme
    assert "| scenario | goal | measured | met |" not in readme
    assert "[bench/README.md](bench/README.md)" in readme
    assert bench.count("<!-- bench:latest -->") == bench.count("<!-- /bench:latest -->") == 1
    assert "| scenario | goal | measured | met |" in bench


def test_the_quick_start_says_how_to_choose_the_port_and_test_on_postgresql():
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "make run PORT=8001" in quick
    assert "HOST=" in quick
    assert "kolk worker" in quick
    assert "DATABASE_URL=postgres://postgres@127.0.0.1:5432/kolk make test" in quick
    assert ".ci/run" in quick
    for login in ("/mijn/inloggen", "/balie/inloggen/", "/admin/login/"):  # members, staff, administrators
        assert login in quick


def test_the_production_guide_names_every_setting_kolk_reads():
    settings = (ROOT / "src" / "kolk" / "settings.py").read_text()
    guide = (ROOT / "docs" / "production.md").read_text()
    names = set(re.findall(r'"(KOLK_[A-Z0-9_]+)"', settings)) | {"DATABASE_URL"}
    assert len(names) > 25
    assert sorted(name for name in names if f"`{name}`" not in guide) == []


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout")
def test_the_schemathesis_cache_is_not_committed():
    tracked = subprocess.run(
        ["git", "ls-files", ".schemathesis"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert tracked == ""
    ignored = subprocess.run(["git", "check-ignore", "-q", ".schemathesis/x"], cwd=ROOT, check=False)
    assert ignored.returncode == 0
