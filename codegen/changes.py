"""One line of the change report: a rule, what it applies to, and how it changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from .rules import RULES, Rule


@dataclass(frozen=True)
class Change:
    """A finding. ``subject`` is the RPC (``AdminService.GetTask``), message or enum
    (``flyteidl.core.ArrayNode``); ``member`` and ``number`` the field, enum value or
    parameter concerned, when there is one; ``text`` the Markdown that follows the
    subject; ``users`` the RPCs that reach a changed type (``AdminService.GetTask
    response``)."""

    rule_id: str
    subject: str
    text: str
    member: Optional[str] = None
    number: Optional[int] = None
    users: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.rule_id not in RULES:
            raise ValueError(f"unknown rule {self.rule_id}")

    @property
    def rule(self) -> Rule:
        return RULES[self.rule_id]

    @property
    def breaking(self) -> bool:
        return self.rule.breaking

    @property
    def section(self) -> str:
        return self.rule.section

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule_id,
            "category": self.rule.category,
            "breaking": self.breaking,
            "subject": self.subject,
            "member": self.member,
            "number": self.number,
            "text": self.text,
            "reached_from": list(self.users),
        }
