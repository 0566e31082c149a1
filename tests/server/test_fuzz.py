"""Fuzzing: schemathesis generates requests for every operation of /openapi.json, valid ones and
invalid ones, and sends them to a live loopback server with a valid bearer token. No answer may
be a 5xx. The run is bounded (a fixed number of examples per operation, derandomized) so it
takes seconds in CI; the counts are printed in the summary.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from casedesktop.api.files import OFFSET_CONTENT_TYPE, TUS_VERSION, encode_metadata
from casedesktop.domain import Role
from casedesktop.server.testing import running_server

# tus PATCH bodies are raw bytes under their own media type.
schemathesis.serializer.alias(OFFSET_CONTENT_TYPE, "application/octet-stream")

EXAMPLES_PER_OPERATION = 8  # per generation mode (valid, invalid)
# Signing out would end the token the rest of the run uses; test_auth covers it.
SKIPPED = {("POST", "/api/v1/auth/logout")}


def _fixed_paths(operation: Any, known: dict[str, list[str]]) -> list[dict[str, str]]:
    """Real ids for the operation's path parameters, so requests get past the 404s too."""
    names = [p.name for p in operation.path_parameters]
    if not names or not all(name in known for name in names):
        return []
    return [{name: known[name][i % len(known[name])] for name in names} for i in range(3)]


def _header_sets(operation: Any, case_id: str) -> list[dict[str, str]]:
    """For the tus endpoints, also the headers that get a request past the protocol checks."""
    if "/uploads" not in operation.path or operation.method.upper() == "OPTIONS":
        return [{}]
    tus = {"Tus-Resumable": TUS_VERSION}
    if operation.method.upper() == "POST":
        meta = encode_metadata({"filename": "f.bin", "case_id": case_id})
        return [{}, tus, {**tus, "Upload-Metadata": meta}]
    if operation.method.upper() == "PATCH":
        return [{}, tus, {**tus, "Upload-Offset": "0"}]
    return [{}, tus]


def test_fuzzing_finds_no_server_errors(
    tmp_path: Path, report_figure: Callable[[str], None]
) -> None:
    with running_server(tmp_path) as server:
        server.add_user("ann@acme.example", Role.CUSTOMER, "Acme")
        server.add_user("bob@beta.example", Role.CUSTOMER, "Beta")
        server.add_user("sam@vendor.example", Role.AGENT)
        ann, bob = server.signed_in("ann@acme.example"), server.signed_in("bob@beta.example")
        sam = server.signed_in("sam@vendor.example")
        mine, theirs = ann.new_case(), bob.new_case()
        reply = ann.comment(mine["id"], "A reply.").json()
        attachment = ann.upload(mine["id"], b"some bytes", "file.txt", comment_id=reply["id"])
        upload = ann.start_upload(mine["id"], 100).headers["Location"].rsplit("/", 1)[1]
        known = {
            "case_id": [mine["id"], theirs["id"], str(uuid.uuid4())],
            "attachment_id": [attachment["id"], str(uuid.uuid4())],
            "upload_id": [upload, str(uuid.uuid4())],
        }
        token = ann.http.headers["Authorization"]
        # Staff see every case: fuzz as the agent too, half of the time.
        tokens = [token, sam.http.headers["Authorization"]]

        schema = schemathesis.openapi.from_url(server.base_url + "/openapi.json", timeout=10)
        session = requests.Session()
        session.trust_env = False  # loopback: never through a proxy
        operations = [result.ok() for result in schema.get_all_operations()]
        cases = 0
        answers: Counter[str] = Counter()
        failures: list[str] = []
        tried_operations = 0
        for operation in operations:
            if (operation.method.upper(), operation.path) in SKIPPED:
                continue
            tried_operations += 1
            strategies = []
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                for auth in tokens:
                    for extra in _header_sets(operation, mine["id"]):
                        headers = {"Authorization": auth, **extra}
                        strategies.append(operation.as_strategy(mode, headers=headers))
                        strategies += [
                            operation.as_strategy(mode, headers=headers, path_parameters=fixed)
                            for fixed in _fixed_paths(operation, known)
                        ]

            @settings(
                max_examples=EXAMPLES_PER_OPERATION * 2,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=st.one_of(strategies))
            def fuzz(case: schemathesis.Case) -> None:
                nonlocal cases
                cases += 1
                response = case.call(base_url=server.base_url, session=session, timeout=20)
                answers[f"{response.status_code // 100}xx"] += 1
                if response.status_code >= 500:
                    failures.append(
                        f"{case.operation.method.upper()} {case.formatted_path}: "
                        f"{response.status_code} {response.text[:200]}\n  {case.as_curl_command()}"
                    )

            fuzz()

        # The server still answers normally after all that.
        assert ann.get(f"/cases/{mine['id']}").status_code == 200

    report_figure(
        f"schemathesis: {tried_operations} operations, {cases} cases generated, "
        f"{len(failures)} server errors (answers: {dict(sorted(answers.items()))})"
    )
    if failures:
        pytest.fail("5xx answers:\n" + "\n".join(failures[:20]), pytrace=False)
