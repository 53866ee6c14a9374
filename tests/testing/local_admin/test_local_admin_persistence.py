"""SQLite persistence across restarts, and the ``python -m flyteclient.testing`` entry point."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request

import grpc
from conftest import D, Env, P
from flyteidl.admin import common_pb2, execution_pb2, launch_plan_pb2, project_pb2
from flyteidl.service import admin_pb2_grpc
from flyteidl.service import dataproxy_pb2 as dp

from flyteclient.testing import LocalAdmin


def test_sqlite_restart_keeps_data(tmp_path):
    db = str(tmp_path / "state.db")
    with LocalAdmin(db_path=db) as a, grpc.insecure_channel(a.endpoint) as ch:
        env = Env(a, ch)
        env.project()
        lid = env.launch_plan("lp")
        env.stub.UpdateLaunchPlan(
            launch_plan_pb2.LaunchPlanUpdateRequest(id=lid, state=launch_plan_pb2.ACTIVE)
        )
        eid = env.execute(lid, "persisted")
        loc = env.dp.CreateUploadLocation(
            dp.CreateUploadLocationRequest(project=P, domain=D, filename_root="r", filename="f")
        )
        req = urllib.request.Request(loc.signed_url, data=b"blob!", method="PUT")
        assert urllib.request.urlopen(req, timeout=5).status == 200
        native = loc.native_url
    with LocalAdmin(db_path=db) as a, grpc.insecure_channel(a.endpoint) as ch:
        env = Env(a, ch)
        assert [p.id for p in env.stub.ListProjects(project_pb2.ProjectListRequest()).projects] == [
            P
        ]
        lp = env.stub.GetLaunchPlan(common_pb2.ObjectGetRequest(id=lid))
        assert lp.closure.state == launch_plan_pb2.ACTIVE
        assert (
            env.stub.GetExecution(execution_pb2.WorkflowExecutionGetRequest(id=eid)).id.name
            == "persisted"
        )
        tasks = env.stub.ListTasks(
            common_pb2.ResourceListRequest(
                id=common_pb2.NamedEntityIdentifier(project=P, domain=D), limit=10
            )
        )
        assert len(tasks.tasks) == 1
        dl = env.dp.CreateDownloadLocation(dp.CreateDownloadLocationRequest(native_url=native))
        assert urllib.request.urlopen(dl.signed_url, timeout=5).read() == b"blob!"


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_main_serves_until_signal(tmp_path):
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flyteclient.testing",
            "--port",
            str(port),
            "--db",
            str(tmp_path / "s.db"),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.getcwd(),
    )
    try:
        line = proc.stdout.readline()
        assert f"127.0.0.1:{port}" in line
        with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
            stub = admin_pb2_grpc.AdminServiceStub(ch)
            stub.RegisterProject(
                project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id="x", name="x")),
                timeout=5,
            )
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
