"""Tasks, workflows, launch plans, named entities and description entities."""

from __future__ import annotations

from typing import Any, Dict, Iterable, Optional

import grpc
from flyteidl.admin import (
    common_pb2,
    description_entity_pb2,
    launch_plan_pb2,
    task_pb2,
    workflow_pb2,
)
from flyteidl.core import compiler_pb2, identifier_pb2, tasks_pb2
from flyteidl.core import workflow_pb2 as core_wf

from . import filters as F
from .common import (
    RT,
    Base,
    id_key,
    missing_entity,
    now_ts,
    require,
    ts_dt,
    validate_identifier,
)
from .diff import diff_lines
from .errors import already_exists, id_text, invalid, not_found
from .pagination import check_limit, paginate, parse_token
from .store import Store

NE = common_pb2.NamedEntityIdentifier


def ident_row(i: identifier_pb2.Identifier) -> Dict[str, Any]:
    return {
        "project": i.project,
        "domain": i.domain,
        "name": i.name,
        "version": i.version,
        "org": i.org,
    }


def prefixed(prefix: str, row: Dict[str, Any]) -> Dict[str, Any]:
    return {f"{prefix}.{k}": v for k, v in row.items()}


def task_row(t: task_pb2.Task) -> Dict[str, Any]:
    r = ident_row(t.id)
    created = ts_dt(t.closure.created_at)
    r.update(
        created_at=created,
        updated_at=created,
        type=t.closure.compiled_task.template.type,
        short_description=t.short_description,
    )
    return r


def workflow_row(w: workflow_pb2.Workflow) -> Dict[str, Any]:
    r = ident_row(w.id)
    created = ts_dt(w.closure.created_at)
    r.update(created_at=created, updated_at=created, short_description=w.short_description)
    return r


def launch_plan_row(lp: launch_plan_pb2.LaunchPlan) -> Dict[str, Any]:
    r = ident_row(lp.id)
    sched = lp.spec.entity_metadata.schedule
    kind = (
        sched.WhichOneof("ScheduleExpression")
        if lp.spec.entity_metadata.HasField("schedule")
        else None
    )
    r.update(
        created_at=ts_dt(lp.closure.created_at),
        updated_at=ts_dt(lp.closure.updated_at),
        state=int(lp.closure.state),
        workflow_id="/".join(id_key(lp.spec.workflow_id)[1:]),
        schedule_type={
            None: "NONE",
            "cron_expression": "CRON",
            "cron_schedule": "CRON",
            "rate": "RATE",
        }.get(kind, "NONE"),
    )
    r.update(prefixed("workflow", ident_row(lp.spec.workflow_id)))
    return r


def iter_nodes(nodes: Iterable[core_wf.Node]) -> Iterable[core_wf.Node]:
    """Every node, including those nested in branches, array nodes and failure nodes."""
    for n in nodes:
        yield n
        kind = n.WhichOneof("target")
        if kind == "branch_node":
            ie = n.branch_node.if_else
            inner = [ie.case.then_node] + [b.then_node for b in ie.other]
            if ie.HasField("else_node"):
                inner.append(ie.else_node)
            yield from iter_nodes(inner)
        elif kind == "array_node":
            yield from iter_nodes([n.array_node.node])


def structure_of(spec: Any) -> bytes:
    """The bytes registrations are compared by. A workflow's nodes list their upstream nodes
    in set order (flytekit builds them from a ``set`` of nodes, so the order changes from one
    process to the next), so they are compared sorted: running the same program again with
    ``pyflyte run --remote`` or ``FlyteRemote.register_script`` (same version) is identical."""
    if isinstance(spec, workflow_pb2.WorkflowSpec):
        canonical = workflow_pb2.WorkflowSpec()
        canonical.CopyFrom(spec)
        for tmpl in [canonical.template, *canonical.sub_workflows]:
            nodes = list(tmpl.nodes)
            if tmpl.HasField("failure_node"):
                nodes.append(tmpl.failure_node)
            for n in iter_nodes(nodes):
                ids = sorted(n.upstream_node_ids)
                del n.upstream_node_ids[:]
                n.upstream_node_ids.extend(ids)
        spec = canonical
    data: bytes = spec.SerializeToString(deterministic=True)
    return data


def touch_named_entity(
    store: Store, rtype: identifier_pb2.ResourceType, org: str, project: str, domain: str, name: str
) -> bool:
    """Create the named entity of a registered task/workflow/launch plan unless it exists;
    True when it was created."""
    key = (rtype, org, project, domain, name)
    if store.has("named_entity", key):
        return False
    store.put(
        "named_entity",
        key,
        common_pb2.NamedEntity(
            resource_type=rtype,
            id=NE(project=project, domain=domain, name=name, org=org),
            metadata=common_pb2.NamedEntityMetadata(),
        ),
    )
    return True


class EntitiesMixin(Base):
    """Registration and reads of tasks, workflows, launch plans and their metadata."""

    # -- shared -------------------------------------------------------------
    def _validate_create(self, request: Any, rtype: identifier_pb2.ResourceType) -> None:
        validate_identifier(request.id, rtype, request.HasField("id"))
        self.require_active_project(request.id.project, request.id.domain, request.id.org)
        if not request.HasField("spec"):
            raise invalid("missing spec")

    def _check_existing(
        self,
        kind: str,
        rtype: identifier_pb2.ResourceType,
        new_id: identifier_pb2.Identifier,
        new_spec: Any,
        details: Optional[Any] = None,
    ) -> None:
        old = self.store.get(kind + "_spec", id_key(new_id))
        if old is None:
            return
        word = {RT.TASK: "task", RT.WORKFLOW: "workflow", RT.LAUNCH_PLAN: "launch plan"}[rtype]
        if structure_of(old) == structure_of(new_spec):
            det = []
            if rtype == RT.WORKFLOW:
                det = [
                    workflow_pb2.CreateWorkflowFailureReason(
                        exists_identical_structure=workflow_pb2.WorkflowErrorExistsIdenticalStructure(
                            id=new_id
                        )
                    )
                ]
            raise already_exists(f"{word} with identical structure already exists", *det)
        det = []
        if rtype == RT.WORKFLOW:
            det = [
                workflow_pb2.CreateWorkflowFailureReason(
                    exists_different_structure=workflow_pb2.WorkflowErrorExistsDifferentStructure(
                        id=new_id
                    )
                )
            ]
        lines = "\n".join(diff_lines(old, new_spec))
        raise invalid(
            f"{new_id.name} {word} with different structure already exists. "
            f"(Please register a new version of the {word}):\n{lines}",
            *det,
        )

    def _touch_named_entity(
        self, rtype: identifier_pb2.ResourceType, i: identifier_pb2.Identifier
    ) -> None:
        touch_named_entity(self.store, rtype, i.org, i.project, i.domain, i.name)

    def _save_description(
        self,
        rtype: identifier_pb2.ResourceType,
        i: identifier_pb2.Identifier,
        desc: description_entity_pb2.DescriptionEntity,
    ) -> None:
        d = description_entity_pb2.DescriptionEntity()
        d.CopyFrom(desc)
        d.id.CopyFrom(i)
        d.id.resource_type = rtype
        self.store.put("description_entity", (rtype,) + id_key(i), d)

    def _get_entity(self, kind: str, rtype: identifier_pb2.ResourceType, request: Any) -> Any:
        i = identifier_pb2.Identifier()
        i.CopyFrom(request.id)
        if i.resource_type == RT.UNSPECIFIED:
            i.resource_type = rtype
        validate_identifier(i, rtype, request.HasField("id"))
        obj = self.store.get(kind, id_key(i))
        if obj is None:
            raise missing_entity(i)
        return obj

    def _list_entities(self, kind: str, row: Any, request: Any, rpc: str) -> Any:
        if not request.HasField("id"):
            raise invalid("missing id")
        require(request.id.project, "project")
        require(request.id.domain, "domain")
        i = request.id
        items = [
            v
            for k, v in self.store.items(kind)
            if k[:3] == (i.org, i.project, i.domain) and (not i.name or k[3] == i.name)
        ]
        return self.list_page(
            items,
            row,
            kind,
            request.filters,
            request.sort_by if request.HasField("sort_by") else None,
            request.limit,
            request.token,
            rpc,
        )

    def _list_ids(
        self, kind: str, row: Any, request: Any, rpc: str
    ) -> common_pb2.NamedEntityIdentifierList:
        require(request.project, "project")
        require(request.domain, "domain")
        items = [
            v
            for k, v in self.store.items(kind)
            if k[:3] == (request.org, request.project, request.domain)
        ]
        check_limit(request.limit)
        parse_token(request.token, rpc)
        seen: Dict[str, None] = {}
        schema_rows = self.list_page(
            items,
            row,
            kind,
            request.filters,
            request.sort_by if request.HasField("sort_by") else None,
            2**31,
            "",
            rpc,
        )[0]
        for v in schema_rows:
            seen.setdefault(v.id.name, None)
        names, nxt = paginate(list(seen), request.limit, request.token, rpc)
        return common_pb2.NamedEntityIdentifierList(
            entities=[
                NE(project=request.project, domain=request.domain, name=n, org=request.org)
                for n in names
            ],
            token=nxt,
        )

    # -- tasks --------------------------------------------------------------
    def CreateTask(
        self, request: task_pb2.TaskCreateRequest, context: grpc.ServicerContext
    ) -> task_pb2.TaskCreateResponse:
        self._validate_create(request, RT.TASK)
        if not request.spec.HasField("template"):
            raise invalid("missing task template")
        spec = task_pb2.TaskSpec()
        spec.CopyFrom(request.spec)
        spec.ClearField("description")
        executor = getattr(self, "executor", None)
        if executor is not None:
            # A task registered from inside a running task (eager, dynamic) names the code
            # archive by the local copy it ran from: register the archive's own URI, the same
            # as `pyflyte run --remote` of that code registers.
            args = [executor.datastore.canonical(a) for a in spec.template.container.args]
            if args != list(spec.template.container.args):
                del spec.template.container.args[:]
                spec.template.container.args.extend(args)
        self._check_existing("task", RT.TASK, request.id, spec)
        i = identifier_pb2.Identifier()
        i.CopyFrom(request.id)
        template = tasks_pb2.TaskTemplate()
        template.CopyFrom(spec.template)
        template.id.CopyFrom(i)
        task = task_pb2.Task(
            id=i,
            short_description=request.spec.description.short_description,
            closure=task_pb2.TaskClosure(
                compiled_task=compiler_pb2.CompiledTask(template=template), created_at=now_ts()
            ),
        )
        self._save_registration("task", RT.TASK, i, spec, task, request.spec)
        return task_pb2.TaskCreateResponse()

    def _save_registration(
        self,
        kind: str,
        rt: identifier_pb2.ResourceType,
        i: identifier_pb2.Identifier,
        spec: Any,
        entity: Any,
        full_spec: Any,
    ) -> None:
        """Store a registered task/workflow: its comparable spec, the entity, its named
        entity and (when given) its description entity."""
        self.store.put(f"{kind}_spec", id_key(i), spec)
        self.store.put(kind, id_key(i), entity)
        self._touch_named_entity(rt, i)
        if full_spec.HasField("description"):
            self._save_description(rt, i, full_spec.description)

    def GetTask(self, request: Any, context: grpc.ServicerContext) -> task_pb2.Task:
        return self._get_entity("task", RT.TASK, request)

    def ListTasks(self, request: Any, context: grpc.ServicerContext) -> task_pb2.TaskList:
        page, nxt = self._list_entities("task", task_row, request, "ListTasks")
        return task_pb2.TaskList(tasks=page, token=nxt)

    def ListTaskIds(
        self, request: Any, context: grpc.ServicerContext
    ) -> common_pb2.NamedEntityIdentifierList:
        return self._list_ids("task", task_row, request, "ListTaskIds")

    # -- workflows ----------------------------------------------------------
    def CreateWorkflow(
        self, request: workflow_pb2.WorkflowCreateRequest, context: grpc.ServicerContext
    ) -> workflow_pb2.WorkflowCreateResponse:
        self._validate_create(request, RT.WORKFLOW)
        if not request.spec.HasField("template"):
            raise invalid("missing workflow template")
        spec = workflow_pb2.WorkflowSpec()
        spec.CopyFrom(request.spec)
        spec.ClearField("description")
        self._check_existing("workflow", RT.WORKFLOW, request.id, spec)
        i = identifier_pb2.Identifier()
        i.CopyFrom(request.id)
        compiled_tasks: Dict[tuple, Any] = {}
        sub_ids = {id_key(s.id) for s in request.spec.sub_workflows}
        templates = [request.spec.template] + list(request.spec.sub_workflows)
        for tmpl in templates:
            nodes = list(tmpl.nodes)
            if tmpl.HasField("failure_node"):
                nodes.append(tmpl.failure_node)
            for n in iter_nodes(nodes):
                kind = n.WhichOneof("target")
                ref: Optional[identifier_pb2.Identifier] = None
                store_kind = ""
                if kind == "task_node" and n.task_node.WhichOneof("reference") == "reference_id":
                    ref, store_kind = n.task_node.reference_id, "task"
                    default_rt = RT.TASK
                elif (
                    kind == "workflow_node"
                    and n.workflow_node.WhichOneof("reference") == "launchplan_ref"
                ):
                    ref, store_kind = n.workflow_node.launchplan_ref, "launch_plan"
                    default_rt = RT.LAUNCH_PLAN
                elif (
                    kind == "workflow_node"
                    and n.workflow_node.WhichOneof("reference") == "sub_workflow_ref"
                ):
                    r = n.workflow_node.sub_workflow_ref
                    if id_key(r) not in sub_ids and not self.store.has("workflow", id_key(r)):
                        shown = identifier_pb2.Identifier()
                        shown.CopyFrom(r)
                        shown.resource_type = shown.resource_type or RT.WORKFLOW
                        raise invalid(
                            f"failed to compile workflow for [{id_text(i)}] with err: "
                            f"missing entity of type WORKFLOW with identifier {id_text(shown)}"
                        )
                    continue
                if ref is None:
                    continue
                obj = self.store.get(store_kind, id_key(ref))
                if obj is None:
                    shown = identifier_pb2.Identifier()
                    shown.CopyFrom(ref)
                    if not shown.resource_type:
                        shown.resource_type = default_rt
                    raise invalid(
                        f"failed to compile workflow for [{id_text(i)}] with err: "
                        f"missing entity of type {RT.Name(default_rt)} with identifier {id_text(shown)}"
                    )
                if store_kind == "task":
                    compiled_tasks[id_key(ref)] = obj.closure.compiled_task
        primary = core_wf.WorkflowTemplate()
        primary.CopyFrom(request.spec.template)
        primary.id.CopyFrom(i)
        closure = compiler_pb2.CompiledWorkflowClosure(
            primary=compiler_pb2.CompiledWorkflow(template=primary),
            sub_workflows=[
                compiler_pb2.CompiledWorkflow(template=s) for s in request.spec.sub_workflows
            ],
            tasks=list(compiled_tasks.values()),
        )
        wf = workflow_pb2.Workflow(
            id=i,
            short_description=request.spec.description.short_description,
            closure=workflow_pb2.WorkflowClosure(compiled_workflow=closure, created_at=now_ts()),
        )
        self._save_registration("workflow", RT.WORKFLOW, i, spec, wf, request.spec)
        return workflow_pb2.WorkflowCreateResponse()

    def GetWorkflow(self, request: Any, context: grpc.ServicerContext) -> workflow_pb2.Workflow:
        return self._get_entity("workflow", RT.WORKFLOW, request)

    def ListWorkflows(
        self, request: Any, context: grpc.ServicerContext
    ) -> workflow_pb2.WorkflowList:
        page, nxt = self._list_entities("workflow", workflow_row, request, "ListWorkflows")
        return workflow_pb2.WorkflowList(workflows=page, token=nxt)

    def ListWorkflowIds(
        self, request: Any, context: grpc.ServicerContext
    ) -> common_pb2.NamedEntityIdentifierList:
        return self._list_ids("workflow", workflow_row, request, "ListWorkflowIds")

    # -- launch plans -------------------------------------------------------
    def CreateLaunchPlan(
        self, request: launch_plan_pb2.LaunchPlanCreateRequest, context: grpc.ServicerContext
    ) -> launch_plan_pb2.LaunchPlanCreateResponse:
        self._validate_create(request, RT.LAUNCH_PLAN)
        spec = request.spec
        if not spec.HasField("workflow_id"):
            raise invalid("missing workflow_id")
        wid = identifier_pb2.Identifier()
        wid.CopyFrom(spec.workflow_id)
        if wid.resource_type == RT.UNSPECIFIED:
            wid.resource_type = RT.WORKFLOW
        wf = self.store.get("workflow", id_key(wid))
        if wf is None:
            raise missing_entity(wid)
        self._check_existing("launch_plan", RT.LAUNCH_PLAN, request.id, spec)
        i = identifier_pb2.Identifier()
        i.CopyFrom(request.id)
        ts = now_ts()
        closure = launch_plan_pb2.LaunchPlanClosure(
            state=launch_plan_pb2.INACTIVE,
            expected_inputs=spec.default_inputs,
            expected_outputs=wf.closure.compiled_workflow.primary.template.interface.outputs,
            created_at=ts,
            updated_at=ts,
        )
        lp = launch_plan_pb2.LaunchPlan(id=i, spec=spec, closure=closure)
        self.store.put("launch_plan_spec", id_key(i), spec)
        self.store.put("launch_plan", id_key(i), lp)
        self._touch_named_entity(RT.LAUNCH_PLAN, i)
        return launch_plan_pb2.LaunchPlanCreateResponse()

    def GetLaunchPlan(
        self, request: Any, context: grpc.ServicerContext
    ) -> launch_plan_pb2.LaunchPlan:
        return self._get_entity("launch_plan", RT.LAUNCH_PLAN, request)

    def ListLaunchPlans(
        self, request: Any, context: grpc.ServicerContext
    ) -> launch_plan_pb2.LaunchPlanList:
        page, nxt = self._list_entities("launch_plan", launch_plan_row, request, "ListLaunchPlans")
        return launch_plan_pb2.LaunchPlanList(launch_plans=page, token=nxt)

    def ListLaunchPlanIds(
        self, request: Any, context: grpc.ServicerContext
    ) -> common_pb2.NamedEntityIdentifierList:
        return self._list_ids("launch_plan", launch_plan_row, request, "ListLaunchPlanIds")

    def UpdateLaunchPlan(
        self, request: launch_plan_pb2.LaunchPlanUpdateRequest, context: grpc.ServicerContext
    ) -> launch_plan_pb2.LaunchPlanUpdateResponse:
        i = identifier_pb2.Identifier()
        i.CopyFrom(request.id)
        if i.resource_type == RT.UNSPECIFIED:
            i.resource_type = RT.LAUNCH_PLAN
        validate_identifier(i, RT.LAUNCH_PLAN, request.HasField("id"))
        if request.state not in (launch_plan_pb2.INACTIVE, launch_plan_pb2.ACTIVE):
            raise invalid(
                f"Unrecognized launch plan state {request.state} for update for launch plan [{id_text(i)}]"
            )
        lp = self.store.get("launch_plan", id_key(i))
        if lp is None:
            raise missing_entity(i)
        ts = now_ts()
        if request.state == launch_plan_pb2.ACTIVE:
            for k, other in self.store.items("launch_plan"):
                if (
                    k[:4] == id_key(i)[:4]
                    and k != id_key(i)
                    and other.closure.state == launch_plan_pb2.ACTIVE
                ):
                    other.closure.state = launch_plan_pb2.INACTIVE
                    other.closure.updated_at.CopyFrom(ts)
                    self.store.put("launch_plan", k, other)
        lp.closure.state = request.state
        lp.closure.updated_at.CopyFrom(ts)
        self.store.put("launch_plan", id_key(i), lp)
        return launch_plan_pb2.LaunchPlanUpdateResponse()

    def GetActiveLaunchPlan(
        self, request: launch_plan_pb2.ActiveLaunchPlanRequest, context: grpc.ServicerContext
    ) -> launch_plan_pb2.LaunchPlan:
        if not request.HasField("id"):
            raise invalid("missing id")
        i = request.id
        require(i.project, "project")
        require(i.domain, "domain")
        require(i.name, "name")
        for k, lp in self.store.items("launch_plan"):
            if (
                k[:4] == (i.org, i.project, i.domain, i.name)
                and lp.closure.state == launch_plan_pb2.ACTIVE
            ):
                return lp
        raise not_found(f"No active launch plan could be found: {i.project}:{i.domain}:{i.name}")

    def ListActiveLaunchPlans(
        self, request: launch_plan_pb2.ActiveLaunchPlanListRequest, context: grpc.ServicerContext
    ) -> launch_plan_pb2.LaunchPlanList:
        require(request.project, "project")
        require(request.domain, "domain")
        items = [
            lp
            for k, lp in self.store.items("launch_plan")
            if k[:3] == (request.org, request.project, request.domain)
            and lp.closure.state == launch_plan_pb2.ACTIVE
        ]
        page, nxt = self.list_page(
            items,
            launch_plan_row,
            "launch_plan",
            "",
            request.sort_by if request.HasField("sort_by") else None,
            request.limit,
            request.token,
            "ListActiveLaunchPlans",
        )
        return launch_plan_pb2.LaunchPlanList(launch_plans=page, token=nxt)

    # -- named entities -----------------------------------------------------
    def _named_entity_key(self, request: Any) -> tuple:
        if request.resource_type not in (RT.TASK, RT.WORKFLOW, RT.LAUNCH_PLAN):
            raise invalid(f"invalid resource type {request.resource_type} for named entity")
        if not request.HasField("id"):
            raise invalid("missing id")
        i = request.id
        require(i.project, "project")
        require(i.domain, "domain")
        require(i.name, "name")
        return (request.resource_type, i.org, i.project, i.domain, i.name)

    def ListNamedEntities(
        self, request: common_pb2.NamedEntityListRequest, context: grpc.ServicerContext
    ) -> common_pb2.NamedEntityList:
        if request.resource_type not in (RT.TASK, RT.WORKFLOW, RT.LAUNCH_PLAN):
            raise invalid(f"invalid resource type {request.resource_type} for named entity")
        require(request.project, "project")
        require(request.domain, "domain")
        items = [
            ne
            for k, ne in self.store.items("named_entity")
            if k[:4] == (request.resource_type, request.org, request.project, request.domain)
        ]

        def row(ne: common_pb2.NamedEntity) -> Dict[str, Any]:
            return {
                "project": ne.id.project,
                "domain": ne.id.domain,
                "name": ne.id.name,
                "org": ne.id.org,
                "resource_type": int(ne.resource_type),
                "state": int(ne.metadata.state),
                "description": ne.metadata.description,
            }

        page, nxt = self.list_page(
            items,
            row,
            "named_entity",
            request.filters,
            request.sort_by if request.HasField("sort_by") else None,
            request.limit,
            request.token,
            "ListNamedEntities",
            default_filters=[("state", F.Filter("eq", "state", ("0",)))],
        )
        return common_pb2.NamedEntityList(entities=page, token=nxt)

    def GetNamedEntity(
        self, request: common_pb2.NamedEntityGetRequest, context: grpc.ServicerContext
    ) -> common_pb2.NamedEntity:
        ne = self.store.get("named_entity", self._named_entity_key(request))
        if ne is None:
            raise not_found("entry not found")
        return ne

    def UpdateNamedEntity(
        self, request: common_pb2.NamedEntityUpdateRequest, context: grpc.ServicerContext
    ) -> common_pb2.NamedEntityUpdateResponse:
        key = self._named_entity_key(request)
        ne = self.store.get("named_entity", key)
        if ne is None:
            raise not_found("entry not found")
        ne.metadata.CopyFrom(request.metadata)
        self.store.put("named_entity", key, ne)
        return common_pb2.NamedEntityUpdateResponse()

    # -- description entities -----------------------------------------------
    def GetDescriptionEntity(
        self, request: Any, context: grpc.ServicerContext
    ) -> description_entity_pb2.DescriptionEntity:
        if not request.HasField("id"):
            raise invalid("missing id")
        i = request.id
        if i.resource_type not in (RT.TASK, RT.WORKFLOW):
            raise invalid(
                f"unexpected resource type {RT.Name(i.resource_type).lower() if i.resource_type in RT.values() else i.resource_type} for identifier [{id_text(i)}], expected task or workflow instead"
            )
        validate_identifier(i, i.resource_type)
        d = self.store.get("description_entity", (i.resource_type,) + id_key(i))
        if d is None:
            raise missing_entity(i)
        return d

    def ListDescriptionEntities(
        self,
        request: description_entity_pb2.DescriptionEntityListRequest,
        context: grpc.ServicerContext,
    ) -> description_entity_pb2.DescriptionEntityList:
        if request.resource_type not in (RT.TASK, RT.WORKFLOW):
            raise invalid(f"invalid resource type {request.resource_type} for description entity")
        if not request.HasField("id"):
            raise invalid("missing id")
        i = request.id
        require(i.project, "project")
        require(i.domain, "domain")
        items = [
            d
            for k, d in self.store.items("description_entity")
            if k[:4] == (request.resource_type, i.org, i.project, i.domain)
            and (not i.name or k[4] == i.name)
        ]

        def row(d: description_entity_pb2.DescriptionEntity) -> Dict[str, Any]:
            r = ident_row(d.id)
            r.update(short_description=d.short_description, resource_type=int(d.id.resource_type))
            return r

        page, nxt = self.list_page(
            items,
            row,
            "description_entity",
            request.filters,
            request.sort_by if request.HasField("sort_by") else None,
            request.limit,
            request.token,
            "ListDescriptionEntities",
        )
        return description_entity_pb2.DescriptionEntityList(descriptionEntities=page, token=nxt)
