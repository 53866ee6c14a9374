"""Projects, domains, matchable attributes and the version RPC."""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple, cast

import grpc
from flyteidl.admin import matchable_resource_pb2 as mr
from flyteidl.admin import project_attributes_pb2 as pa
from flyteidl.admin import project_domain_attributes_pb2 as pda
from flyteidl.admin import project_pb2, version_pb2
from flyteidl.admin import workflow_attributes_pb2 as wa

from .common import DNS1123, Base, require
from .errors import already_exists, invalid, not_found

VERSION = "0.1.0"

#: MatchingAttributes oneof field -> MatchableResource value
ATTR_FIELDS = {
    "task_resource_attributes": mr.TASK_RESOURCE,
    "cluster_resource_attributes": mr.CLUSTER_RESOURCE,
    "execution_queue_attributes": mr.EXECUTION_QUEUE,
    "execution_cluster_label": mr.EXECUTION_CLUSTER_LABEL,
    "quality_of_service": mr.QUALITY_OF_SERVICE_SPECIFICATION,
    "plugin_overrides": mr.PLUGIN_OVERRIDE,
    "workflow_execution_config": mr.WORKFLOW_EXECUTION_CONFIG,
    "cluster_assignment": mr.CLUSTER_ASSIGNMENT,
}


def project_row(p: project_pb2.Project) -> Dict[str, Any]:
    return {
        "identifier": p.id,
        "name": p.name,
        "description": p.description,
        "state": int(p.state),
        "org": p.org,
        "labels": ",".join(f"{k}={v}" for k, v in sorted(p.labels.values.items())),
        "created_at": None,
        "updated_at": None,
    }


class ProjectsMixin(Base):
    """Projects, domains, matchable attributes, version."""

    def _with_domains(self, p: project_pb2.Project) -> project_pb2.Project:
        del p.domains[:]
        for d in self.domains:
            p.domains.add(id=d, name=d)
        return p

    # -- projects -----------------------------------------------------------
    def RegisterProject(
        self, request: project_pb2.ProjectRegisterRequest, context: grpc.ServicerContext
    ) -> project_pb2.ProjectRegisterResponse:
        if not request.HasField("project"):
            raise invalid("missing project")
        p = request.project
        require(p.id, "project_id")
        if len(p.id) > 63 or not DNS1123.match(p.id):
            raise invalid(
                f"invalid project_id [{p.id}]: a lowercase RFC 1123 label must consist of lower case alphanumeric "
                "characters or '-', and must start and end with an alphanumeric character"
            )
        require(p.name, "project_name")
        if len(p.name) > 64:
            raise invalid("project_name cannot exceed 64 characters")
        if len(p.description) > 300:
            raise invalid("project_description cannot exceed 300 characters")
        if len(p.labels.values) > 16:
            raise invalid("labels map has more than 16 entries")
        if len(p.domains) > 0:
            raise invalid(
                "Domains are currently only set system wide. Please retry without domains included in your request."
            )
        if self.store.has("project", (p.id,)):
            raise already_exists(f"project with id [{p.id}] already exists")
        stored = project_pb2.Project()
        stored.CopyFrom(p)
        self.store.put("project", (p.id,), stored)
        return project_pb2.ProjectRegisterResponse()

    def UpdateProject(
        self, request: project_pb2.Project, context: grpc.ServicerContext
    ) -> project_pb2.ProjectUpdateResponse:
        require(request.id, "project_id")
        p = self.get_project(request.id)
        if len(request.name) > 64:
            raise invalid("project_name cannot exceed 64 characters")
        if len(request.description) > 300:
            raise invalid("project_description cannot exceed 300 characters")
        if len(request.labels.values) > 16:
            raise invalid("labels map has more than 16 entries")
        if request.name:
            p.name = request.name
        if request.description:
            p.description = request.description
        if request.HasField("labels") and request.labels.values:
            p.labels.CopyFrom(request.labels)
        p.state = request.state
        self.store.put("project", (p.id,), p)
        return project_pb2.ProjectUpdateResponse()

    def GetProject(
        self, request: project_pb2.ProjectGetRequest, context: grpc.ServicerContext
    ) -> project_pb2.Project:
        require(request.id, "project_id")
        return self._with_domains(self.get_project(request.id))

    def ListProjects(
        self, request: project_pb2.ProjectListRequest, context: grpc.ServicerContext
    ) -> project_pb2.Projects:
        items = [p for p in self.store.values("project")]
        if not request.filters:
            items = [
                p
                for p in items
                if p.state
                not in (project_pb2.Project.ARCHIVED, project_pb2.Project.SYSTEM_ARCHIVED)
            ]
        page, nxt = self.list_page(
            items,
            project_row,
            "project",
            request.filters,
            request.sort_by if request.HasField("sort_by") else None,
            request.limit,
            request.token,
            "ListProjects",
            default_sort=("identifier", True),
            zero_means_all=True,
        )
        return project_pb2.Projects(projects=[self._with_domains(p) for p in page], token=nxt)

    def GetDomains(
        self, request: Any, context: grpc.ServicerContext
    ) -> project_pb2.GetDomainsResponse:
        return project_pb2.GetDomainsResponse(
            domains=[project_pb2.Domain(id=d, name=d) for d in self.domains]
        )

    def GetVersion(
        self, request: Any, context: grpc.ServicerContext
    ) -> version_pb2.GetVersionResponse:
        return version_pb2.GetVersionResponse(
            control_plane_version=version_pb2.Version(
                Build="local", Version=f"flyteclient-local-admin/{VERSION}", BuildTime="unknown"
            )
        )

    # -- matchable attributes -----------------------------------------------------
    def _attr_target(self, attrs: Any) -> int:
        which = attrs.WhichOneof("target")
        if which is None:
            raise invalid("missing matching_attributes")
        return ATTR_FIELDS[which]

    def _check_scope(self, project: str, domain: Optional[str]) -> None:
        require(project, "project")
        if domain is not None:
            require(domain, "domain")
            self.validate_project_domain(project, domain)
        elif not self.store.has("project", (project,)):
            raise invalid(
                f"failed to validate that project [{project}] is registered, err: [project [{project}] not found]"
            )

    def _put_attrs(self, key: Tuple[str, ...], attributes: Any, present: bool) -> None:
        if not present:
            raise invalid("missing attributes")
        rt = self._attr_target(attributes.matching_attributes)
        self.store.put("attributes", key + (rt,), attributes.matching_attributes)

    def _lookup(self, keys: Tuple[Tuple[str, ...], ...], rt: int) -> Any:
        for k in keys:
            v = self.store.get("attributes", k + (rt,))
            if v is not None:
                return v
        raise not_found(
            f"Resource [{mr.MatchableResource.Name(rt) if rt in mr.MatchableResource.values() else rt}] not found"
        )

    def UpdateProjectAttributes(
        self, request: Any, context: grpc.ServicerContext
    ) -> pa.ProjectAttributesUpdateResponse:
        a = request.attributes
        self._check_scope(a.project, None)
        self._put_attrs(
            (a.org, a.project, "", "", ""),
            a,
            request.HasField("attributes") and a.HasField("matching_attributes"),
        )
        return pa.ProjectAttributesUpdateResponse()

    def GetProjectAttributes(
        self, request: Any, context: grpc.ServicerContext
    ) -> pa.ProjectAttributesGetResponse:
        self._check_scope(request.project, None)
        m = self._lookup(((request.org, request.project, "", "", ""),), request.resource_type)
        return pa.ProjectAttributesGetResponse(
            attributes=pa.ProjectAttributes(
                project=request.project, org=request.org, matching_attributes=m
            )
        )

    def DeleteProjectAttributes(
        self, request: Any, context: grpc.ServicerContext
    ) -> pa.ProjectAttributesDeleteResponse:
        require(request.project, "project")
        self.store.delete(
            "attributes", (request.org, request.project, "", "", "", request.resource_type)
        )
        return pa.ProjectAttributesDeleteResponse()

    def UpdateProjectDomainAttributes(
        self, request: Any, context: grpc.ServicerContext
    ) -> pda.ProjectDomainAttributesUpdateResponse:
        a = request.attributes
        self._check_scope(a.project, a.domain)
        self._put_attrs(
            (a.org, a.project, a.domain, "", ""),
            a,
            request.HasField("attributes") and a.HasField("matching_attributes"),
        )
        return pda.ProjectDomainAttributesUpdateResponse()

    def GetProjectDomainAttributes(
        self, request: Any, context: grpc.ServicerContext
    ) -> pda.ProjectDomainAttributesGetResponse:
        self._check_scope(request.project, request.domain)
        m = self._lookup(
            (
                (request.org, request.project, request.domain, "", ""),
                (request.org, request.project, "", "", ""),
            ),
            request.resource_type,
        )
        return pda.ProjectDomainAttributesGetResponse(
            attributes=pda.ProjectDomainAttributes(
                project=request.project,
                domain=request.domain,
                org=request.org,
                matching_attributes=m,
            )
        )

    def DeleteProjectDomainAttributes(
        self, request: Any, context: grpc.ServicerContext
    ) -> pda.ProjectDomainAttributesDeleteResponse:
        require(request.project, "project")
        require(request.domain, "domain")
        self.store.delete(
            "attributes",
            (request.org, request.project, request.domain, "", "", request.resource_type),
        )
        return pda.ProjectDomainAttributesDeleteResponse()

    def UpdateWorkflowAttributes(
        self, request: Any, context: grpc.ServicerContext
    ) -> wa.WorkflowAttributesUpdateResponse:
        a = request.attributes
        self._check_scope(a.project, a.domain)
        require(a.workflow, "workflow")
        self._put_attrs(
            (a.org, a.project, a.domain, a.workflow, ""),
            a,
            request.HasField("attributes") and a.HasField("matching_attributes"),
        )
        return wa.WorkflowAttributesUpdateResponse()

    def GetWorkflowAttributes(
        self, request: Any, context: grpc.ServicerContext
    ) -> wa.WorkflowAttributesGetResponse:
        self._check_scope(request.project, request.domain)
        require(request.workflow, "workflow")
        o, p, d = request.org, request.project, request.domain
        m = self._lookup(
            ((o, p, d, request.workflow, ""), (o, p, d, "", ""), (o, p, "", "", "")),
            request.resource_type,
        )
        return wa.WorkflowAttributesGetResponse(
            attributes=wa.WorkflowAttributes(
                project=p, domain=d, workflow=request.workflow, org=o, matching_attributes=m
            )
        )

    def DeleteWorkflowAttributes(
        self, request: Any, context: grpc.ServicerContext
    ) -> wa.WorkflowAttributesDeleteResponse:
        require(request.project, "project")
        require(request.domain, "domain")
        require(request.workflow, "workflow")
        self.store.delete(
            "attributes",
            (
                request.org,
                request.project,
                request.domain,
                request.workflow,
                "",
                request.resource_type,
            ),
        )
        return wa.WorkflowAttributesDeleteResponse()

    def ListMatchableAttributes(
        self, request: mr.ListMatchableAttributesRequest, context: grpc.ServicerContext
    ) -> mr.ListMatchableAttributesResponse:
        out = []
        for key, m in self.store.items("attributes"):
            # "attributes" keys are (org, project, domain, workflow, launch_plan, resource_type)
            org, project, domain, workflow, lp, rt = cast(Tuple[str, str, str, str, str, int], key)
            if rt == request.resource_type and (not request.org or org == request.org):
                out.append(
                    mr.MatchableAttributesConfiguration(
                        attributes=m,
                        project=project,
                        domain=domain,
                        workflow=workflow,
                        launch_plan=lp,
                        org=org,
                    )
                )
        return mr.ListMatchableAttributesResponse(configurations=out)
