"""Named entities, description entities, matchable attributes and signals."""

from __future__ import annotations

import grpc
from conftest import RT, D, P, ident
from flyteidl.admin import (
    common_pb2,
    description_entity_pb2,
    signal_pb2,
)
from flyteidl.admin import (
    matchable_resource_pb2 as mr,
)
from flyteidl.admin import (
    project_attributes_pb2 as pa,
)
from flyteidl.admin import (
    project_domain_attributes_pb2 as pda,
)
from flyteidl.admin import (
    workflow_attributes_pb2 as wa,
)
from flyteidl.core import identifier_pb2, literals_pb2, types_pb2

C = grpc.StatusCode


def ne_id(name):
    return common_pb2.NamedEntityIdentifier(project=P, domain=D, name=name)


def test_named_entities(penv):
    penv.task("a"), penv.task("a", "v2"), penv.task("b")
    lst = penv.stub.ListNamedEntities(
        common_pb2.NamedEntityListRequest(resource_type=RT.TASK, project=P, domain=D, limit=10)
    )
    assert [e.id.name for e in lst.entities] == ["a", "b"]
    penv.stub.UpdateNamedEntity(
        common_pb2.NamedEntityUpdateRequest(
            resource_type=RT.TASK,
            id=ne_id("a"),
            metadata=common_pb2.NamedEntityMetadata(
                description="hello", state=common_pb2.NAMED_ENTITY_ARCHIVED
            ),
        )
    )
    got = penv.stub.GetNamedEntity(
        common_pb2.NamedEntityGetRequest(resource_type=RT.TASK, id=ne_id("a"))
    )
    assert got.metadata.description == "hello"
    lst = penv.stub.ListNamedEntities(
        common_pb2.NamedEntityListRequest(resource_type=RT.TASK, project=P, domain=D, limit=10)
    )
    assert [e.id.name for e in lst.entities] == ["b"]
    lst = penv.stub.ListNamedEntities(
        common_pb2.NamedEntityListRequest(
            resource_type=RT.TASK, project=P, domain=D, limit=10, filters="eq(state,1)"
        )
    )
    assert [e.id.name for e in lst.entities] == ["a"]
    e = penv.err(
        penv.stub.GetNamedEntity,
        common_pb2.NamedEntityGetRequest(resource_type=RT.WORKFLOW, id=ne_id("a")),
    )
    assert (e.code(), e.details()) == (C.NOT_FOUND, "entry not found")
    e = penv.err(
        penv.stub.UpdateNamedEntity,
        common_pb2.NamedEntityUpdateRequest(resource_type=RT.TASK, id=ne_id("zz")),
    )
    assert (e.code(), e.details()) == (C.NOT_FOUND, "entry not found")


def test_description_entities(penv):
    tid = penv.task("t", desc="short one")
    d = penv.stub.GetDescriptionEntity(common_pb2.ObjectGetRequest(id=tid))
    assert d.short_description == "short one" and d.id == tid
    lst = penv.stub.ListDescriptionEntities(
        description_entity_pb2.DescriptionEntityListRequest(
            resource_type=RT.TASK, id=ne_id("t"), limit=10
        )
    )
    assert len(lst.descriptionEntities) == 1
    e = penv.err(
        penv.stub.GetDescriptionEntity, common_pb2.ObjectGetRequest(id=ident(RT.TASK, "ghost"))
    )
    assert e.code() == C.NOT_FOUND
    assert penv.stub.GetTask(common_pb2.ObjectGetRequest(id=tid)).short_description == "short one"


def _ma(queue):
    return mr.MatchingAttributes(
        execution_queue_attributes=mr.ExecutionQueueAttributes(tags=[queue])
    )


def test_matchable_attributes_fallback(penv):
    Q = mr.EXECUTION_QUEUE
    e = penv.err(
        penv.stub.GetWorkflowAttributes,
        wa.WorkflowAttributesGetRequest(project=P, domain=D, workflow="wf", resource_type=Q),
    )
    assert e.code() == C.NOT_FOUND
    penv.stub.UpdateProjectAttributes(
        pa.ProjectAttributesUpdateRequest(
            attributes=pa.ProjectAttributes(project=P, matching_attributes=_ma("project"))
        )
    )
    got = penv.stub.GetWorkflowAttributes(
        wa.WorkflowAttributesGetRequest(project=P, domain=D, workflow="wf", resource_type=Q)
    )
    assert got.attributes.matching_attributes == _ma("project")
    penv.stub.UpdateProjectDomainAttributes(
        pda.ProjectDomainAttributesUpdateRequest(
            attributes=pda.ProjectDomainAttributes(
                project=P, domain=D, matching_attributes=_ma("pd")
            )
        )
    )
    got = penv.stub.GetWorkflowAttributes(
        wa.WorkflowAttributesGetRequest(project=P, domain=D, workflow="wf", resource_type=Q)
    )
    assert got.attributes.matching_attributes == _ma("pd")
    penv.stub.UpdateWorkflowAttributes(
        wa.WorkflowAttributesUpdateRequest(
            attributes=wa.WorkflowAttributes(
                project=P, domain=D, workflow="wf", matching_attributes=_ma("wf")
            )
        )
    )
    penv.stub.UpdateWorkflowAttributes(
        wa.WorkflowAttributesUpdateRequest(
            attributes=wa.WorkflowAttributes(
                project=P, domain=D, workflow="wf", matching_attributes=_ma("wf2")
            )
        )
    )  # overwrite
    got = penv.stub.GetWorkflowAttributes(
        wa.WorkflowAttributesGetRequest(project=P, domain=D, workflow="wf", resource_type=Q)
    )
    assert got.attributes.matching_attributes == _ma("wf2")
    got = penv.stub.GetProjectDomainAttributes(
        pda.ProjectDomainAttributesGetRequest(project=P, domain=D, resource_type=Q)
    )
    assert got.attributes.matching_attributes == _ma("pd")
    lst = penv.stub.ListMatchableAttributes(mr.ListMatchableAttributesRequest(resource_type=Q))
    assert len(lst.configurations) == 3
    penv.stub.DeleteWorkflowAttributes(
        wa.WorkflowAttributesDeleteRequest(project=P, domain=D, workflow="wf", resource_type=Q)
    )
    penv.stub.DeleteWorkflowAttributes(
        wa.WorkflowAttributesDeleteRequest(project=P, domain=D, workflow="wf", resource_type=Q)
    )
    penv.stub.DeleteProjectDomainAttributes(
        pda.ProjectDomainAttributesDeleteRequest(project=P, domain=D, resource_type=Q)
    )
    got = penv.stub.GetWorkflowAttributes(
        wa.WorkflowAttributesGetRequest(project=P, domain=D, workflow="wf", resource_type=Q)
    )
    assert got.attributes.matching_attributes == _ma("project")
    penv.stub.DeleteProjectAttributes(pa.ProjectAttributesDeleteRequest(project=P, resource_type=Q))
    e = penv.err(
        penv.stub.GetProjectAttributes, pa.ProjectAttributesGetRequest(project=P, resource_type=Q)
    )
    assert e.code() == C.NOT_FOUND


def test_matchable_attributes_unknown_project(env):
    e = env.err(
        env.stub.GetProjectAttributes,
        pa.ProjectAttributesGetRequest(project="ghost", resource_type=0),
    )
    assert e.code() == C.INVALID_ARGUMENT
    e = env.err(
        env.stub.GetProjectDomainAttributes,
        pda.ProjectDomainAttributesGetRequest(project="ghost", domain=D),
    )
    assert e.code() == C.INVALID_ARGUMENT


def test_signals(penv):
    eid = identifier_pb2.WorkflowExecutionIdentifier(project=P, domain=D, name="e1")
    sid = identifier_pb2.SignalIdentifier(signal_id="approve", execution_id=eid)
    t = types_pb2.LiteralType(simple=types_pb2.BOOLEAN)
    s = penv.signals.GetOrCreateSignal(signal_pb2.SignalGetOrCreateRequest(id=sid, type=t))
    assert s.type == t and not s.HasField("value")
    assert (
        penv.signals.GetOrCreateSignal(signal_pb2.SignalGetOrCreateRequest(id=sid, type=t)).id
        == sid
    )
    val = literals_pb2.Literal(
        scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(boolean=True))
    )
    penv.signals.SetSignal(signal_pb2.SignalSetRequest(id=sid, value=val))
    lst = penv.signals.ListSignals(
        signal_pb2.SignalListRequest(workflow_execution_id=eid, limit=10)
    )
    assert len(lst.signals) == 1 and lst.signals[0].value == val
    text = literals_pb2.Literal(
        scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(string_value="yes"))
    )
    e = penv.err(penv.signals.SetSignal, signal_pb2.SignalSetRequest(id=sid, value=text))
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert e.details() == (
        'requested signal value [scalar { primitive { string_value: "yes" } }] is not castable '
        "to existing signal type [simple: BOOLEAN]"
    )
    fsid = identifier_pb2.SignalIdentifier(signal_id="factor", execution_id=eid)
    ft = types_pb2.LiteralType(simple=types_pb2.FLOAT)
    penv.signals.GetOrCreateSignal(signal_pb2.SignalGetOrCreateRequest(id=fsid, type=ft))
    two = literals_pb2.Literal(
        scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=2))
    )
    penv.signals.SetSignal(signal_pb2.SignalSetRequest(id=fsid, value=two))  # an int fits a float
    ghost = identifier_pb2.SignalIdentifier(signal_id="nope", execution_id=eid)
    e = penv.err(penv.signals.SetSignal, signal_pb2.SignalSetRequest(id=ghost, value=val))
    assert e.code() == C.NOT_FOUND
    e = penv.err(penv.signals.ListSignals, signal_pb2.SignalListRequest(workflow_execution_id=eid))
    assert e.details() == "invalid value for limit"
