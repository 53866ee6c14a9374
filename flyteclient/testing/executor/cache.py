"""Task output caching, as datacatalog does it for a discoverable task: the key is the task
(project, domain, name), its cache version, its interface and its inputs; a hit reuses the
stored outputs (which keep pointing at the original raw data)."""

from __future__ import annotations

import hashlib
from typing import Any, Optional, Tuple

from flyteidl.core import catalog_pb2, identifier_pb2, literals_pb2, tasks_pb2

from ..store import Store

TABLE = "catalog"


def _literal_digest(lit: literals_pb2.Literal) -> bytes:
    if lit.hash:
        return b"hash:" + lit.hash.encode()
    copy = literals_pb2.Literal()
    copy.CopyFrom(lit)
    copy.ClearField("metadata")
    return copy.SerializeToString(deterministic=True)


def inputs_hash(template: tasks_pb2.TaskTemplate, inputs: literals_pb2.LiteralMap) -> str:
    ignored = set(template.metadata.cache_ignore_input_vars)
    h = hashlib.sha256()
    for name in sorted(inputs.literals):
        if name in ignored:
            continue
        h.update(name.encode() + b"\0" + _literal_digest(inputs.literals[name]) + b"\0")
    return h.hexdigest()[:32]


def interface_hash(template: tasks_pb2.TaskTemplate) -> str:
    iface = template.interface.SerializeToString(deterministic=True)
    return hashlib.sha256(iface).hexdigest()[:16]


def cacheable(template: tasks_pb2.TaskTemplate) -> bool:
    return bool(template.metadata.discoverable)


class Catalog:
    """Cached task outputs in LocalAdmin's store (so ``--db`` keeps them)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def key(
        self, template: tasks_pb2.TaskTemplate, inputs: literals_pb2.LiteralMap
    ) -> Tuple[str, ...]:
        t = template.id
        return (
            t.org,
            t.project,
            t.domain,
            t.name,
            template.metadata.discovery_version,
            interface_hash(template),
            inputs_hash(template, inputs),
        )

    def metadata(
        self,
        key: Tuple[str, ...],
        source: Optional[identifier_pb2.TaskExecutionIdentifier] = None,
    ) -> catalog_pb2.CatalogMetadata:
        org, project, domain, name, version, iface, digest = key
        md = catalog_pb2.CatalogMetadata(
            dataset_id=identifier_pb2.Identifier(
                resource_type=identifier_pb2.DATASET,
                project=project,
                domain=domain,
                name=f"flyte_task-{project}.{domain}.{name}",
                version=f"{version}-{iface}",
                org=org,
            ),
            artifact_tag=catalog_pb2.CatalogArtifactTag(
                artifact_id=digest, name=f"flyte_cached-{digest}"
            ),
        )
        if source is not None:
            md.source_task_execution.CopyFrom(source)
        return md

    def get(self, key: Tuple[str, ...]) -> Optional[literals_pb2.LiteralMap]:
        value: Any = self.store.get(TABLE, key)
        return value

    def put(self, key: Tuple[str, ...], outputs: literals_pb2.LiteralMap) -> None:
        with self.store.transaction():
            self.store.put(TABLE, key, outputs)
