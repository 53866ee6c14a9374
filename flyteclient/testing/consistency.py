"""The startup check of a persisted store.

A registration is three rows: the comparable spec, the entity and its named entity.
Registrations are written in one transaction, but a database written before that (or
edited by hand) can hold a partial one. A spec without its entity made re-registering
"succeed" (identical spec) while reads stayed NOT_FOUND forever; an entity without its
named entity is missing from the named-entity RPCs.

:func:`check_registrations` repairs what an interrupted registration leaves (it drops
the orphaned spec so the registration can be repeated, and adds the missing named
entity) and refuses to start, with :class:`InconsistentStoreError`, on what no
interrupted registration can leave (an entity without its spec).
"""

from __future__ import annotations

import logging
from typing import List

from .common import RT
from .entities import touch_named_entity
from .store import Store

_LOG = logging.getLogger("flyteclient.testing")

_KINDS = (("task", RT.TASK), ("workflow", RT.WORKFLOW), ("launch_plan", RT.LAUNCH_PLAN))


class InconsistentStoreError(RuntimeError):
    """The persisted state is inconsistent in a way that cannot be repaired safely."""


def check_registrations(store: Store, where: str = "the store") -> List[str]:
    """Repair partial registrations (see module doc); return what was repaired."""
    repaired: List[str] = []
    problems: List[str] = []
    with store.transaction():
        for kind, rtype in _KINDS:
            entities = set(store.keys(kind))
            specs = set(store.keys(f"{kind}_spec"))
            for key in sorted(specs - entities, key=str):
                store.delete(f"{kind}_spec", key)
                repaired.append(
                    f"dropped the spec of {kind} {':'.join(map(str, key))} (its registration never completed)"
                )
            for key in sorted(entities - specs, key=str):
                problems.append(f"{kind} {':'.join(map(str, key))} has no spec")
            for org, project, domain, name, _version in sorted(entities, key=str):
                if touch_named_entity(store, rtype, str(org), str(project), str(domain), str(name)):
                    repaired.append(
                        f"added the missing named entity of {kind} {project}:{domain}:{name}"
                    )
        if problems:
            raise InconsistentStoreError(
                f"{where} is inconsistent and cannot be repaired: {'; '.join(problems)}. "
                "Remove the file to start from an empty state."
            )
    for line in repaired:
        _LOG.warning("store check of %s: %s", where, line)
    return repaired
