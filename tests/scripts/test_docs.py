"""scripts/docs builds the API reference: a page per client with every method's
signature and route."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.support.optional import require

ROOT = Path(__file__).resolve().parents[2]


def test_api_reference_pages(tmp_path):
    require("pdoc")
    out = tmp_path / "docs"
    subprocess.run(
        ["bash", str(ROOT / "scripts" / "docs"), str(out)],
        env=dict(os.environ, FLYTECLIENT_PYTHON=sys.executable),  # this environment, as it is
        check=True,
        capture_output=True,
        timeout=300,
    )
    friendly = (out / "flyteclient" / "generated" / "friendly.html").read_text()
    raw = (out / "flyteclient" / "generated" / "raw.html").read_text()
    assert (out / "index.html").exists() and (out / "flyteclient" / "exceptions.html").exists()
    text = re.sub(r"<[^>]+>", "", friendly)
    assert "def\n        get_task(" in text or re.search(r"get_task\(\s*self,\s*id:", text)
    assert "GET\n/api/v1/tasks/{id.project}/{id.domain}/{id.name}/{id.version}" in text
    assert "FlyteException" in text  # the errors every method raises
    assert 'id="RawSynchronousFlyteClient.create_execution"' in raw
    # The API's history: each newer RPC's release on its methods, and a page by release.
    assert re.search(r"Added in flyteidl 1\.13\.0:\s+servers of older releases", text)
    history = re.sub(
        r"<[^>]+>", "", (out / "flyteclient" / "generated" / "history.html").read_text()
    )
    assert (
        "flyteidl 1.13.0 added:" in history
        and "flyteidl.service.AdminService.GetDomains" in history
    )
