"""The release workflow, the Windows installer script and the macOS entitlements, checked here.

GitHub runs .github/workflows/release.yml only on a tag: a mistake in it shows up on release day.
So it is checked against GitHub's workflow schema (check-jsonschema, its schemas vendored, no
network) and audited by zizmor (--offline), and what it must do is asserted on its parsed YAML.
packaging/windows/casedesktop.iss cannot be compiled here (Inno Setup is Windows-only): its defines
are checked against the ones packaging/build.py passes to iscc.
"""

from __future__ import annotations

import json
import plistlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from casedesktop import APP_ID

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
ISS = ROOT / "packaging" / "windows" / "casedesktop.iss"
ENTITLEMENTS = ROOT / "packaging" / "macos" / "entitlements.plist"
BUILD_PY = ROOT / "packaging" / "build.py"

RUNNERS = {"ubuntu-22.04", "windows-latest", "macos-14"}
# zizmor's auditor persona also reports secrets-outside-env: the signing secrets are repository
# secrets, not a deployment environment's. Everything else it finds must be fixed.
AUDITOR_ACCEPTED = {"secrets-outside-env"}
SIGNING_COMMANDS = ("signtool", "codesign", "notarytool", "stapler", "security import", "SIGNTOOL")
SIGNING_SECRETS = {
    "windows-signing": {"WINDOWS_CERTIFICATE", "WINDOWS_CERTIFICATE_PASSWORD"},
    "macos-signing": {"MACOS_CERTIFICATE", "MACOS_CERTIFICATE_PASSWORD", "MACOS_SIGNING_IDENTITY",
                      "APPLE_ID", "APPLE_TEAM_ID", "APPLE_APP_PASSWORD"},
}


def tool(name: str) -> str:
    """A console script installed next to this Python (the venv's bin or Scripts folder)."""
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail(f"{name} is not installed in {Path(sys.executable).parent}: pip install -e '.[dev]'")
    return found


def run_tool(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool(command[0]), *command[1:]], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def triggers(workflow: dict) -> dict:
    return workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True


def build_steps(workflow: dict) -> list[dict]:
    return workflow["jobs"]["build"]["steps"]


def steps_for(workflow: dict, os_name: str) -> list[dict]:
    """The build job's steps that run on one OS (runner.os: Linux, Windows or macOS)."""
    chosen = []
    for step in build_steps(workflow):
        condition = str(step.get("if", ""))
        named = re.findall(r"runner\.os\s*(==|!=)\s*'(\w+)'", condition)
        if all((name == os_name) == (op == "==") for op, name in named):
            chosen.append(step)
    return chosen


# --- the workflow, as tools see it ------------------------------------------------------------


def test_workflow_is_valid_for_github() -> None:
    result = run_tool("check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(WORKFLOW))
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing() -> None:
    result = run_tool("zizmor", "--offline", "--format", "json", str(WORKFLOW))
    findings = json.loads(result.stdout or "[]")
    assert result.returncode == 0 and findings == [], result.stdout + result.stderr


def test_zizmor_auditor_finds_only_the_accepted() -> None:
    result = run_tool("zizmor", "--offline", "--persona", "auditor", "--format", "json", str(WORKFLOW))
    findings = json.loads(result.stdout or "[]")
    unexpected = [f for f in findings if f["ident"] not in AUDITOR_ACCEPTED]
    assert unexpected == [], json.dumps(unexpected, indent=1)[:5000] + result.stderr


# --- what the workflow does -------------------------------------------------------------------


def test_triggers(workflow: dict) -> None:
    on = triggers(workflow)
    assert on["push"]["tags"] == ["v*"]
    assert "workflow_dispatch" in on
    assert "pull_request_target" not in on


def test_matrix_is_the_three_runners(workflow: dict) -> None:
    build = workflow["jobs"]["build"]
    assert build["runs-on"] == "${{ matrix.os }}"
    matrix = build["strategy"]["matrix"]
    runners = [entry["os"] for entry in matrix.get("include", [])] + list(matrix.get("os", []))
    assert sorted(runners) == sorted(RUNNERS)
    assert build["strategy"]["fail-fast"] is False  # one OS failing still shows how the others fare


def test_linux_leg_runs_the_ci_scripts(workflow: dict) -> None:
    linux = [step.get("run", "").strip() for step in steps_for(workflow, "Linux")]
    assert "./dev package" in linux and "./dev test-bundle" in linux
    assert linux.index("./dev package") < linux.index("./dev test-bundle")
    assert not any("packaging/build.py" in run for run in linux)


@pytest.mark.parametrize("os_name", ["Windows", "macOS"])
def test_other_legs_build_then_smoke_test(workflow: dict, os_name: str) -> None:
    runs = [step.get("run", "") for step in steps_for(workflow, os_name)]
    build = next(i for i, run in enumerate(runs) if "python packaging/build.py" in run)
    smoke = next(i for i, run in enumerate(runs) if "pytest tests/bundle" in run)
    assert build < smoke
    smoke_step = steps_for(workflow, os_name)[smoke]
    assert "CASEDESKTOP_BUNDLE" in smoke_step.get("env", {})


def test_every_job_has_a_timeout(workflow: dict) -> None:
    for name, job in workflow["jobs"].items():
        assert isinstance(job.get("timeout-minutes"), int), f"job {name} has no timeout-minutes"
        assert 0 < job["timeout-minutes"] <= 120, name


def test_permissions_read_only_but_for_the_release(workflow: dict) -> None:
    assert workflow["permissions"] == {"contents": "read"}
    for name, job in workflow["jobs"].items():
        if name == "release":
            assert job["permissions"] == {"contents": "write"}
            assert job["if"] == "startsWith(github.ref, 'refs/tags/v')"
            assert "gh release create" in "\n".join(step.get("run", "") for step in job["steps"])
        else:
            assert "permissions" not in job, f"job {name} widens the permissions"


def test_checkouts_keep_no_credentials(workflow: dict) -> None:
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


def test_actions_are_pinned_to_commits() -> None:
    uses = re.findall(r"^\s*(?:-\s*)?uses:\s*(\S+)(.*)$", WORKFLOW.read_text(encoding="utf-8"), re.MULTILINE)
    assert uses
    for action, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", action), action
        assert re.fullmatch(r"\s*#\s*v\d+(\.\d+)*\s*", comment), f"{action}: no version comment"


def test_no_expressions_inside_scripts(workflow: dict) -> None:
    """Expressions in `run:` are pasted into the script before it runs: values go through env."""
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            assert "${{" not in step.get("run", ""), step["name"]


def test_signing_steps_are_conditional(workflow: dict) -> None:
    signing = [step for step in build_steps(workflow)
               if any(word in step.get("run", "") for word in SIGNING_COMMANDS)
               or any("secrets." in str(value) for value in step.get("env", {}).values())]
    names = {step["name"] for step in signing}
    assert any("Authenticode" in name for name in names) and any("Notarize" in name for name in names)
    for step in signing:
        condition = str(step.get("if", ""))
        assert "secrets." not in condition, step["name"]
        if step.get("id") in SIGNING_SECRETS:  # the check itself: a notice per missing secret
            wanted = SIGNING_SECRETS[step["id"]]
            assert set(step["env"]) == wanted, step["name"]
            assert "::notice" in step["run"] and "is not set" in step["run"]
            assert all(secret in step["run"] for secret in wanted)
            assert 'enabled=' in step["run"] and "GITHUB_OUTPUT" in step["run"]
        else:
            assert re.search(r"steps\.(windows|macos)-signing\.outputs\.enabled == 'true'", condition) \
                or "steps.windows-certificate.outputs.thumbprint" in condition \
                or "env.SIGNING_KEYCHAIN" in condition, f"{step['name']} runs without the secrets"


def test_macos_signing_uses_the_entitlements(workflow: dict) -> None:
    scripts = "\n".join(step.get("run", "") for step in steps_for(workflow, "macOS"))
    assert "--options runtime" in scripts
    assert "--entitlements packaging/macos/entitlements.plist" in scripts
    assert "notarytool submit" in scripts and "--wait" in scripts and "stapler staple" in scripts


def test_artifacts_uploaded_with_their_checksums(workflow: dict) -> None:
    upload = next(step for step in build_steps(workflow)
                  if str(step.get("uses", "")).startswith("actions/upload-artifact@"))
    paths = upload["with"]["path"].split()
    assert "dist/SHA256SUMS" in paths
    for pattern in ("*.tar.gz", "*.deb", "*.zip", "*-setup.exe", "*.dmg"):
        assert f"dist/{pattern}" in paths
    assert upload["with"]["if-no-files-found"] == "error"


# --- the Windows installer script -------------------------------------------------------------


def iss_defines() -> tuple[set[str], set[str]]:
    """(required, optional) defines: required ones stop the compile with #error when missing."""
    text = ISS.read_text(encoding="utf-8")
    required = set(re.findall(r"^#ifndef\s+(\w+)\s*\n\s*#error", text, re.MULTILINE))
    optional = set(re.findall(r"^#ifndef\s+(\w+)\s*\n\s*#define\s+\1\b", text, re.MULTILINE))
    optional |= set(re.findall(r"^#ifdef\s+(\w+)", text, re.MULTILINE))
    return required, optional


def test_iss_declares_the_build_defines() -> None:
    required, optional = iss_defines()
    assert {"AppVersion", "SourceDir", "OutputDir", "OutputBaseFilename", "IconFile"} <= required
    assert {"LicenseFile", "NumericVersion", "SignTool"} <= optional
    header = ISS.read_text(encoding="utf-8").split("\n#", 1)[0]  # the comment at the top
    for name in required | optional:
        assert f"/D{name}=" in header or f"{name} " in header, f"{name} is not documented at the top"


@pytest.mark.skipif(not BUILD_PY.exists(), reason="packaging/build.py not written yet")
def test_build_py_passes_what_the_iss_needs() -> None:
    passed = set(re.findall(r"/D(\w+)=", BUILD_PY.read_text(encoding="utf-8")))
    required, optional = iss_defines()
    assert required <= passed, f"build.py does not pass {required - passed}"
    assert passed <= required | optional, f"the .iss does not use {passed - required - optional}"


def test_iss_installs_per_user_with_the_app_id() -> None:
    text = ISS.read_text(encoding="utf-8")
    setup = dict(re.findall(r"^(\w+)=(.*)$", text.split("[Setup]", 1)[1].split("\n[", 1)[0], re.MULTILINE))
    assert setup["PrivilegesRequired"] == "lowest"
    assert setup["DefaultDirName"] == r"{localappdata}\Programs\{#AppName}"
    assert re.fullmatch(r"\{\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}", setup["AppId"])
    assert setup["ArchitecturesAllowed"] == setup["ArchitecturesInstallIn64BitMode"] == "x64compatible"
    assert setup["UninstallDisplayIcon"] and setup["Uninstallable"] == "yes"
    assert f'#define AppUserModelID "{APP_ID}"' in text
    start_menu = next(line for line in text.splitlines() if line.startswith('Name: "{autoprograms}'))
    assert 'AppUserModelID: "{#AppUserModelID}"' in start_menu and "{#AppExe}" in start_menu
    assert '#define AppExe "casedesktop.exe"' in text and '#define CliExe "casedesktop-cli.exe"' in text
    assert re.search(r'^Source: "\{#SourceDir\}\\\{#CliExe\}"', text, re.MULTILINE)
    path_task = next(line for line in text.splitlines() if line.startswith('Name: "addtopath"'))
    assert "Flags: unchecked" in path_task


# --- the macOS entitlements -------------------------------------------------------------------


def test_entitlements_are_the_hardened_runtime_exceptions() -> None:
    entitlements = plistlib.loads(ENTITLEMENTS.read_bytes())
    assert entitlements == {
        "com.apple.security.cs.allow-unsigned-executable-memory": True,
        "com.apple.security.cs.disable-library-validation": True,
    }
