"""Gate nodes wait for their signal (SignalService.SetSignal, as FlyteRemote.set_signal sends
it); approvals can reject; a gate's timeout fails the execution; sleep gates sleep."""

from __future__ import annotations

import time

from tests.support.optional import require

require("flytekit")  # skipped where flytekit cannot install, failed where it should


def _signals(env, execution, want, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        names = {s.id.signal_id for s in env.remote.list_signals(execution.id.name)}
        if want <= names:
            return names
        time.sleep(0.1)
    raise AssertionError(f"signals {want} never appeared")


def test_gates_wait_for_their_signals(env):
    wf = env.register("gates", "gated")
    execution = env.remote.execute(wf, inputs={"x": 5})
    _signals(env, execution, {"title"})
    time.sleep(0.5)
    assert not env.remote.sync_execution(execution).is_done  # waiting for input
    env.remote.set_signal("title", execution.id.name, "answer")
    _signals(env, execution, {"title", "review"})
    time.sleep(0.5)
    assert not env.remote.sync_execution(execution).is_done  # waiting for approval
    env.remote.set_signal("review", execution.id.name, True)
    done = env.wait(execution)
    assert done.is_successful, done.error
    assert done.outputs["o0"] == "answer: 10"


def test_a_rejected_approval_fails(env):
    wf = env.register("gates", "gated")
    execution = env.remote.execute(wf, inputs={"x": 1})
    _signals(env, execution, {"title"})
    env.remote.set_signal("title", execution.id.name, "t")
    _signals(env, execution, {"review"})
    env.remote.set_signal("review", execution.id.name, False)
    done = env.wait(execution)
    assert not done.is_successful
    assert "received a reject signal" in done.error.message


def test_a_gate_times_out(env):
    execution = env.run("gates", "impatient", x=1, timeout=60)
    assert not execution.is_successful
    assert "timeout" in execution.error.message


def test_a_signal_of_the_wrong_type_is_refused_and_the_gate_keeps_waiting(env):
    import pytest

    wf = env.register("gates", "gated")
    execution = env.remote.execute(wf, inputs={"x": 2})
    _signals(env, execution, {"title"})
    env.remote.set_signal("title", execution.id.name, "t")
    _signals(env, execution, {"review"})
    with pytest.raises(Exception, match="not castable to existing signal type"):
        env.remote.set_signal("review", execution.id.name, "yes please")  # approve wants a bool
    time.sleep(0.5)
    assert not env.remote.sync_execution(execution).is_done
    env.remote.set_signal("review", execution.id.name, True)
    done = env.wait(execution)
    assert done.is_successful, done.error
    assert done.outputs["o0"] == "t: 4"
