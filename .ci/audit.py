"""`make audit`: the locked dependencies against known vulnerabilities, or NOT CHECKED.

pip-audit asks an advisory service about each pin: PyPI's JSON API
(/pypi/NAME/VERSION/json) or OSV (api.osv.dev). Where neither answers, as on a
machine that reaches only the package registries' indexes and files, pip-audit
skips every pin and, unless strict, ends with "No known vulnerabilities found":
a clean result for a check that checked nothing. This script asks each service
in turn and reports a clean result only when one of them answered for every pin.

Exit status: 0 every pin checked, none known to be vulnerable; 1 a known
vulnerability (or pip-audit itself failed on a pin); 3 NOT CHECKED: no service
answered for every pin, so nothing is known either way.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SERVICES = ("pypi", "osv")
CLEAN, VULNERABLE, NOT_CHECKED = 0, 1, 3
PYPI_NOT_FOUND = (
    "; pip-audit says 'not found' when PyPI's JSON API for the version (/pypi/NAME/VERSION/json) "
    "does not answer, even where the package index itself is reachable"
)


@dataclass
class Answer:
    service: str
    error: str = ""
    dependencies: list[dict[str, Any]] = field(default_factory=list)

    @property
    def vulnerable(self) -> list[dict[str, Any]]:
        return [d for d in self.dependencies if d.get("vulns")]

    @property
    def skipped(self) -> list[dict[str, Any]]:
        return [d for d in self.dependencies if d.get("skip_reason")]


def ask(pip_audit: str, lock: str, service: str) -> Answer:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        done = subprocess.run(  # noqa: S603 - pip-audit of this checkout, fixed arguments
            [
                pip_audit,
                "--requirement",
                lock,
                "--require-hashes",
                "--disable-pip",
                "--vulnerability-service",
                service,
                "--progress-spinner",
                "off",
                "--format",
                "json",
                "--output",
                str(report),
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=900,
        )
        if not report.exists() or not report.read_text().strip():
            last = (done.stderr.strip().splitlines() or [f"pip-audit exited {done.returncode}"])[-1]
            return Answer(service, error=last[:300])
        data = json.loads(report.read_text())
    dependencies = data["dependencies"] if isinstance(data, dict) else data
    return Answer(service, dependencies=dependencies)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("lock", nargs="?", default="requirements.lock")
    parser.add_argument("--pip-audit", default=str(Path(sys.executable).with_name("pip-audit")))
    parser.add_argument("--services", default=",".join(SERVICES), help="advisory services to ask, in turn")
    args = parser.parse_args(argv)

    reasons = []
    for service in args.services.split(","):
        answer = ask(args.pip_audit, args.lock, service)
        if answer.error:
            reasons.append(f"{service}: pip-audit could not ask it ({answer.error})")
            continue
        if answer.vulnerable:
            for dep in answer.vulnerable:
                for vuln in dep["vulns"]:
                    fixes = ", ".join(vuln.get("fix_versions") or []) or "none yet"
                    print(f"{dep['name']} {dep.get('version', '')}: {vuln['id']} (fixed in: {fixes})")
            print(f"audit: known vulnerabilities in {args.lock} (from {service}'s advisory data)", file=sys.stderr)
            return VULNERABLE
        if answer.skipped:
            example = answer.skipped[0]["skip_reason"]
            reasons.append(
                f"{service}: no answer for {len(answer.skipped)} of {len(answer.dependencies)} pins (e.g. {example})"
                + (PYPI_NOT_FOUND if service == "pypi" and "not found on PyPI" in example else "")
            )
            continue
        print(
            f"audit: all {len(answer.dependencies)} pins of {args.lock} checked against {service}'s "
            "advisory data: no known vulnerabilities"
        )
        return CLEAN
    print(f"NOT CHECKED: no advisory service answered for every pin of {args.lock}, so nothing is known about them.")
    for reason in reasons:
        print(f"  {reason}")
    return NOT_CHECKED


if __name__ == "__main__":
    sys.exit(main())
