#!/usr/bin/env python3
"""Known-vulnerability audit of requirements.txt for CI: pip-audit, bounded in time, loud about gaps.

    python3 .ci/audit.py [requirements.txt]

pip-audit (pinned below) is installed into its own venv under ~/.cache, never into the project's.
It resolves the requirements (with pip's configured index or mirror) and asks a vulnerability
service about every resolved package:

1. OSV (`-s osv`, api.osv.dev);
2. if OSV cannot be reached: PyPI (`-s pypi`, https://pypi.org/pypi/<name>/<version>/json);
3. if PyPI answers "not found" for the packages (a mirror that serves only the project endpoint
   /pypi/<name>/json, as on the project's build machines): the project endpoint, whose
   `vulnerabilities` are those of the newest release. A pinned version that is the newest release is
   audited that way; any other is listed as NOT AUDITED.

Known vulnerabilities that docs/security.md explains (an ID in backticks in its "Accepted" section)
are ignored. The last line always says what happened:
  pip-audit: OK … | pip-audit: VULNERABLE … | pip-audit: INCOMPLETE … | pip-audit: NOT RUN …
Exit status 1 for VULNERABLE; also for INCOMPLETE and NOT RUN when AUDIT_STRICT=1 (for a pipeline
that must have a full audit). Every network call and subprocess has a timeout, so CI cannot hang.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

PIP_AUDIT = "pip-audit==2.10.1"
ROOT = Path(__file__).resolve().parents[1]
VENV = Path(os.environ.get("AUDIT_VENV", Path.home() / ".cache" / "samverkan-pip-audit"))
INSTALL_TIMEOUT = 300
AUDIT_TIMEOUT = int(os.environ.get("AUDIT_TIMEOUT", 420))  # one pip-audit run: resolve + query
HTTP_TIMEOUT = 15
UNREACHABLE = re.compile(r"ConnectionError|NameResolutionError|Max retries exceeded|timed out|"
                         r"Temporary failure in name resolution|Connection refused|SSLError", re.I)


def say(line: str) -> None:
    print(line, flush=True)


def accepted_ids() -> list[str]:
    """IDs explained in docs/security.md under a heading containing "Accepted"."""
    path = ROOT / "docs" / "security.md"
    if not path.exists():
        return []
    match = re.search(r"^#+ [^\n]*Accepted[^\n]*\n(.*?)(?=^#+ |\Z)", path.read_text(encoding="utf-8"), re.S | re.M)
    return re.findall(r"`((?:PYSEC|GHSA|CVE|OSV)-[\w-]+)`", match.group(1)) if match else []


def ensure_pip_audit() -> Path | None:
    executable = VENV / "bin" / "pip-audit"
    marker = VENV / ".installed"
    if executable.exists() and marker.exists() and marker.read_text().strip() == PIP_AUDIT:
        return executable
    try:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True, timeout=120,
                       capture_output=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "--quiet", PIP_AUDIT], check=True,
                       timeout=INSTALL_TIMEOUT, capture_output=True, text=True)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
        detail = getattr(error, "stderr", "") or str(error)
        say(f"   could not install {PIP_AUDIT}: {detail.strip().splitlines()[-1] if detail.strip() else error}")
        return None
    marker.write_text(PIP_AUDIT)
    return executable


def run_pip_audit(executable: Path, requirements: Path, service: str, ignore: list[str]) -> tuple[str, dict | None, str]:
    """('ok'|'vulnerable'|'unreachable'|'error', parsed JSON or None, detail)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.json"
        command = [str(executable), "-r", str(requirements), "-s", service, "-f", "json", "-o", str(out),
                   "--progress-spinner", "off", "--timeout", str(HTTP_TIMEOUT)]
        for vuln in ignore:
            command += ["--ignore-vuln", vuln]
        # Its own process group, so a timeout also ends the pip processes it starts.
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   start_new_session=True)
        try:
            _, stderr = process.communicate(timeout=AUDIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            return "unreachable", None, f"no answer within {AUDIT_TIMEOUT} s"
        data = json.loads(out.read_text()) if out.exists() and out.stat().st_size else None
    stderr = stderr.strip()
    if data is None:
        last = stderr.splitlines()[-1] if stderr else f"exit {process.returncode}"
        return ("unreachable" if UNREACHABLE.search(stderr) else "error"), None, last[:300]
    vulnerable = any(dep.get("vulns") for dep in data.get("dependencies", []))
    return ("vulnerable" if vulnerable else "ok"), data, ""


def skipped(data: dict) -> list[dict]:
    return [dep for dep in data.get("dependencies", []) if dep.get("skip_reason")]


def project_json(name: str) -> dict | None:
    url = f"https://pypi.org/pypi/{name}/json"
    try:
        with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT) as response:
            return json.load(response)
    except (urllib.error.URLError, OSError, ValueError):
        return None


def fallback(dependencies: list[tuple[str, str]], ignore: list[str]) -> tuple[list, list, list]:
    """(audited names, not audited (name, version, why), vulnerabilities (name, version, id, fixed))."""
    audited, missing, found = [], [], []
    for name, version in dependencies:
        data = project_json(name)
        if data is None:
            missing.append((name, version, "PyPI's project JSON did not answer"))
            continue
        latest = data.get("info", {}).get("version")
        if latest != version:
            missing.append((name, version, f"newest is {latest}; only the newest can be checked here"))
            continue
        audited.append(name)
        for vuln in data.get("vulnerabilities") or []:
            ids = [vuln.get("id", "?"), *(vuln.get("aliases") or [])]
            if not any(i in ignore for i in ids):
                found.append((name, version, vuln.get("id", "?"), ", ".join(vuln.get("fixed_in") or []) or "–"))
    return audited, missing, found


def pinned(requirements: Path) -> list[tuple[str, str]]:
    pins = []
    for line in requirements.read_text().splitlines():
        match = re.match(r"^\s*([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;#]+)", line)
        if match:
            pins.append((match.group(1).lower(), match.group(2)))
    return pins


def _version(dep: dict) -> str:
    """A skipped dependency has no "version" field; its skip reason ends with "(<version>)"."""
    if dep.get("version"):
        return dep["version"]
    match = re.search(r"\(([^()\s]+)\)\s*$", dep.get("skip_reason", ""))
    return match.group(1) if match else "?"


def report_vulnerable(data: dict) -> None:
    for dep in data.get("dependencies", []):
        for vuln in dep.get("vulns", []):
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            say(f"   {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")


def main() -> int:
    requirements = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "requirements.txt").resolve()
    strict = os.environ.get("AUDIT_STRICT") == "1"
    ignore = accepted_ids()
    if ignore:
        say(f"   accepted in docs/security.md (ignored): {', '.join(ignore)}")
    executable = ensure_pip_audit()
    if executable is None:
        say("pip-audit: NOT RUN - pip-audit could not be installed (no package index?); dependencies were "
            "NOT checked for known vulnerabilities")
        return 1 if strict else 0
    last = None
    for service in ("osv", "pypi"):
        status, data, detail = run_pip_audit(executable, requirements, service, ignore)
        if status == "vulnerable":
            report_vulnerable(data)
            say(f"pip-audit: VULNERABLE - known vulnerabilities (service {service}); upgrade the pins or "
                "explain them in docs/security.md")
            return 1
        if status == "ok" and not skipped(data):
            say(f"pip-audit: OK - {len(data['dependencies'])} packages, no known vulnerabilities (service {service})")
            return 0
        if status == "ok":
            reasons = {dep["skip_reason"].split(":")[0] for dep in skipped(data)}
            say(f"   service {service}: {len(skipped(data))} of {len(data['dependencies'])} packages not "
                f"checked ({'; '.join(sorted(reasons))[:200]})")
            last = data
        else:
            say(f"   service {service}: {status} ({detail})")
    dependencies = [(dep["name"], _version(dep)) for dep in last["dependencies"]] if last else pinned(requirements)
    audited, missing, found = fallback(dependencies, ignore)
    if found:
        for name, version, vuln, fixed in found:
            say(f"   {name} {version}: {vuln} (fixed in {fixed})")
        say("pip-audit: VULNERABLE - known vulnerabilities (PyPI project JSON); upgrade the pins or explain "
            "them in docs/security.md")
        return 1
    if not audited:
        say("pip-audit: NOT RUN - no vulnerability service could be reached (OSV, PyPI); dependencies "
            "were NOT checked for known vulnerabilities")
        return 1 if strict else 0
    if missing:
        for name, version, why in missing:
            say(f"   not audited: {name} {version} ({why})")
        say(f"pip-audit: INCOMPLETE - OSV and PyPI's release JSON unreachable; {len(audited)} of "
            f"{len(dependencies)} packages checked via PyPI's project JSON, no known vulnerabilities; "
            f"{len(missing)} NOT checked (listed above)")
        return 1 if strict else 0
    say(f"pip-audit: OK - {len(audited)} packages checked via PyPI's project JSON (OSV and PyPI's release "
        "JSON unreachable), no known vulnerabilities")
    return 0


if __name__ == "__main__":
    sys.exit(main())
