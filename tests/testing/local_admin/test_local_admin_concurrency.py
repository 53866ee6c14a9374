"""Many concurrent clients registering and listing."""

from __future__ import annotations

import threading

import grpc
from conftest import D, Env, P
from flyteidl.admin import common_pb2


def test_concurrent_register_and_list(penv):
    errors = []
    n_threads, per_thread = 8, 15

    def worker(i):
        try:
            with grpc.insecure_channel(penv.admin.endpoint) as ch:
                env = Env(penv.admin, ch)
                for j in range(per_thread):
                    env.task(f"t{i}", f"v{j}")
                    # a racing duplicate of a shared id: exactly one wins
                    try:
                        env.task("shared", f"v{j}")
                    except grpc.RpcError as e:
                        assert e.code() == grpc.StatusCode.ALREADY_EXISTS, e
                    page = env.stub.ListTasks(
                        common_pb2.ResourceListRequest(
                            id=common_pb2.NamedEntityIdentifier(project=P, domain=D), limit=50
                        )
                    )
                    assert len(page.tasks) <= 50
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors[:3]
    total, token = 0, ""
    while True:
        page = penv.stub.ListTasks(
            common_pb2.ResourceListRequest(
                id=common_pb2.NamedEntityIdentifier(project=P, domain=D), limit=37, token=token
            )
        )
        total += len(page.tasks)
        token = page.token
        if not token:
            break
    assert total == n_threads * per_thread + per_thread
