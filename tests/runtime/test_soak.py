"""Soak: 8 threads for 60 s against a LocalAdmin subprocess with SQLite persistence that
is SIGKILLed and restarted 3 times. Every call succeeds or raises a FlyteException within
its deadline, and nothing the server acknowledged is lost. Opt-in: ``-m slow -k soak``."""

from __future__ import annotations

import collections
import random
import threading
import time
from typing import Any, Dict, List

import pytest
from flyteidl.admin import common_pb2, execution_pb2, launch_plan_pb2, project_pb2
from flyteidl.core import literals_pb2

from flyteclient import SynchronousFlyteClient
from flyteclient.exceptions import FlyteException
from tests.support.processes import AdminProcess
from tests.testing.local_admin.conftest import RT, Env, ident

P, D = "flytesnacks", "development"
THREADS, SECONDS, KILLS = 8, 60.0, 3
DEADLINE = 5.0
MARGIN = 1.0  # scheduling slack on a loaded 2-core machine


def set_up(client: SynchronousFlyteClient) -> Any:
    client.register_project(project_pb2.Project(id=P, name=P))
    tid = ident(RT.TASK, "soak-task")
    client.create_task(tid, Env.task_spec("soak-task"))
    wid = ident(RT.WORKFLOW, "soak-wf")
    client.create_workflow(wid, Env.workflow_spec("soak-wf", "v1", [tid]))
    lid = ident(RT.LAUNCH_PLAN, "soak-lp")
    client.create_launch_plan(lid, launch_plan_pb2.LaunchPlanSpec(workflow_id=wid))
    return lid


class Soak:
    def __init__(self, client: SynchronousFlyteClient, launch_plan: Any) -> None:
        self.client = client
        self.launch_plan = launch_plan
        self.lock = threading.Lock()
        self.tasks: List[Any] = []  # acknowledged registrations
        self.executions: List[Any] = []  # acknowledged executions
        self.outcomes: Dict[str, int] = collections.Counter()
        self.late: List[str] = []
        self.unexpected: List[BaseException] = []
        self.slowest = 0.0

    def run(self, thread: int, until: float) -> None:
        rng = random.Random(thread)
        n = 0
        while time.monotonic() < until:
            n += 1
            op = rng.choice([self.register, self.execute, self.read, self.read, self.list])
            started = time.monotonic()
            try:
                op(f"t{thread}-{n}", rng)
                outcome = "ok"
            except FlyteException as e:
                outcome = type(e).__name__
            except BaseException as e:  # anything else breaks the contract
                outcome = "unexpected"
                with self.lock:
                    self.unexpected.append(e)
            took = time.monotonic() - started
            with self.lock:
                self.outcomes[outcome] += 1
                self.slowest = max(self.slowest, took)
                if took > DEADLINE + MARGIN:
                    self.late.append(f"{op.__name__} took {took:.2f}s ({outcome})")

    def register(self, name: str, rng: random.Random) -> None:
        tid = ident(RT.TASK, "soak", version=name)
        self.client.create_task(tid, Env.task_spec("soak", version=name))
        with self.lock:
            self.tasks.append(tid)

    def execute(self, name: str, rng: random.Random) -> None:
        spec = execution_pb2.ExecutionSpec(launch_plan=self.launch_plan)
        eid = self.client.create_execution(P, D, name, spec, literals_pb2.LiteralMap())
        with self.lock:
            self.executions.append(eid)

    def read(self, name: str, rng: random.Random) -> None:
        with self.lock:
            known = list(self.tasks[-50:])
        if known:
            self.client.get_task(rng.choice(known))
        else:
            self.client.get_launch_plan(self.launch_plan)

    def list(self, name: str, rng: random.Random) -> None:
        self.client.list_tasks_paginated(
            common_pb2.NamedEntityIdentifier(project=P, domain=D, name="soak"), limit=20
        )


@pytest.mark.slow
def test_soak_with_server_kills(tmp_path):
    admin = AdminProcess(str(tmp_path / "soak.db"))
    admin.start()
    try:
        with SynchronousFlyteClient(admin.endpoint, insecure=True, timeout=DEADLINE) as client:
            soak = Soak(client, set_up(client))
            started = time.monotonic()
            until = started + SECONDS
            workers = [threading.Thread(target=soak.run, args=(i, until)) for i in range(THREADS)]
            for w in workers:
                w.start()
            for k in range(1, KILLS + 1):
                time.sleep(max(0.0, started + k * SECONDS / (KILLS + 1) - time.monotonic()))
                admin.kill()
                time.sleep(0.5)
                admin.start()
            for w in workers:
                w.join()

            assert soak.unexpected == [], soak.unexpected[:3]
            assert soak.late == [], soak.late[:5]
            print(
                f"\nsoak: {sum(soak.outcomes.values())} calls {dict(soak.outcomes)}, slowest {soak.slowest:.2f}s, "
                f"{len(soak.tasks)} tasks and {len(soak.executions)} executions acknowledged"
            )
            assert soak.outcomes["ok"] > 1000

            # Nothing acknowledged is lost, across the kills and one more restart.
            admin.kill()
            admin.start()
            for tid in soak.tasks:
                assert client.get_task(tid).id == tid
            for eid in soak.executions:
                assert client.get_execution(eid).id == eid
    finally:
        admin.kill()
