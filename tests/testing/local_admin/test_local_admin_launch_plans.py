"""Launch plan activation and active-plan reads."""

from __future__ import annotations

import grpc
from conftest import RT, D, P, ident
from flyteidl.admin import common_pb2, launch_plan_pb2

C = grpc.StatusCode
ACTIVE, INACTIVE = launch_plan_pb2.ACTIVE, launch_plan_pb2.INACTIVE


def state(env, lid):
    return env.stub.GetLaunchPlan(common_pb2.ObjectGetRequest(id=lid)).closure.state


def upd(env, lid, st):
    env.stub.UpdateLaunchPlan(launch_plan_pb2.LaunchPlanUpdateRequest(id=lid, state=st))


def test_activation_exclusive(penv):
    wf = penv.workflow("wf")
    v1 = penv.launch_plan("lp", "v1", wf=wf)
    v2 = penv.launch_plan("lp", "v2", wf=wf)
    other = penv.launch_plan("other", "v1", wf=wf)
    upd(penv, v1, ACTIVE)
    upd(penv, other, ACTIVE)
    assert (state(penv, v1), state(penv, v2)) == (ACTIVE, INACTIVE)
    upd(penv, v2, ACTIVE)
    assert (state(penv, v1), state(penv, v2), state(penv, other)) == (INACTIVE, ACTIVE, ACTIVE)
    upd(penv, v2, ACTIVE)  # re-activating keeps it active
    assert state(penv, v2) == ACTIVE
    active = penv.stub.GetActiveLaunchPlan(
        launch_plan_pb2.ActiveLaunchPlanRequest(
            id=common_pb2.NamedEntityIdentifier(project=P, domain=D, name="lp")
        )
    )
    assert active.id == v2
    upd(penv, v1, INACTIVE)  # touches only v1
    assert state(penv, v2) == ACTIVE
    lst = penv.stub.ListActiveLaunchPlans(
        launch_plan_pb2.ActiveLaunchPlanListRequest(project=P, domain=D, limit=10)
    )
    assert sorted(lp.id.name for lp in lst.launch_plans) == ["lp", "other"]
    upd(penv, v2, INACTIVE)
    e = penv.err(
        penv.stub.GetActiveLaunchPlan,
        launch_plan_pb2.ActiveLaunchPlanRequest(
            id=common_pb2.NamedEntityIdentifier(project=P, domain=D, name="lp")
        ),
    )
    assert (e.code(), e.details()) == (
        C.NOT_FOUND,
        f"No active launch plan could be found: {P}:{D}:lp",
    )


def test_update_missing_and_bad_state(penv):
    e = penv.err(
        penv.stub.UpdateLaunchPlan,
        launch_plan_pb2.LaunchPlanUpdateRequest(id=ident(RT.LAUNCH_PLAN, "ghost"), state=ACTIVE),
    )
    assert e.code() == C.NOT_FOUND
    lid = penv.launch_plan("lp")
    e = penv.err(
        penv.stub.UpdateLaunchPlan, launch_plan_pb2.LaunchPlanUpdateRequest(id=lid, state=7)
    )
    assert e.code() == C.INVALID_ARGUMENT


def test_list_active_needs_limit(penv):
    e = penv.err(
        penv.stub.ListActiveLaunchPlans,
        launch_plan_pb2.ActiveLaunchPlanListRequest(project=P, domain=D),
    )
    assert (e.code(), e.details()) == (C.INVALID_ARGUMENT, "invalid value for limit")
    e = penv.err(
        penv.stub.ListActiveLaunchPlans,
        launch_plan_pb2.ActiveLaunchPlanListRequest(domain=D, limit=1),
    )
    assert e.code() == C.INVALID_ARGUMENT
