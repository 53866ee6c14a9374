"""google.api.http path templates: parsing, expanding (client) and matching (server)."""

from __future__ import annotations

import urllib.parse
from typing import List

import pytest

from flyteclient.runtime.rest import PathTemplate, TemplateError, parse_template, path_components


def components(path: str) -> List[str]:
    return path_components(path)


def test_parse_variables_nested_fields_sub_patterns_deep_wildcards_and_verbs() -> None:
    t = parse_template("/api/v1/tasks/{id.project}/{id.domain}/{id.name}/{id.version}")
    assert [str(s) for s in t.segments] == ["api", "v1", "tasks", "*", "*", "*", "*"]
    assert t.field_paths == ("id.project", "id.domain", "id.name", "id.version") and t.verb == ""
    t = parse_template("/v1/{name=shelves/*/books/*}:publish")
    assert [str(s) for s in t.segments] == [
        "v1",
        "shelves",
        "*",
        "books",
        "*",
    ] and t.verb == "publish"
    assert (t.variables[0].start, t.variables[0].end) == (1, 5) and t.is_multi_segment(
        t.variables[0]
    )
    t = parse_template("/v1/files/{path=**}/raw")
    assert [str(s) for s in t.segments] == ["v1", "files", "**", "raw"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "v1/x",
        "/v1/{id",
        "/v1/{id.}",
        "/v1/{1d}",
        "/v1/{a={b}}",
        "/v1/**/x/**",
        "/v1/{a}/{a}",
        "/v1//x",
        "/v1/x:",
        "/v1/{a=}",
        "/v1/x}",
    ],
)
def test_parse_rejects_what_the_grammar_does_not_allow(text: str) -> None:
    with pytest.raises(TemplateError):
        parse_template(text)


TRICKY = [
    "plain",
    "with space",
    "per%cent",
    "q?uery#frag",
    "uni\u00e9\u4e2d",
    "a+b",
    "semi;colon",
    "tilde~-_.",
    "@:$&'()*,=",
]


@pytest.mark.parametrize("value", TRICKY)
def test_expand_percent_encodes_and_match_gives_the_value_back(value: str) -> None:
    t = parse_template("/api/v1/tasks/{id.project}/{id.name}")
    path = t.expand({"id.project": "p", "id.name": value})
    assert path == "/api/v1/tasks/p/" + urllib.parse.quote(value, safe="")
    assert all(c.isalnum() or c in "/-_.~%" for c in path)  # everything else is percent-encoded
    assert t.match(components(path)) == {"id.project": "p", "id.name": value}


@pytest.mark.parametrize("value", ["a/b", "", ".", ".."])
def test_expand_refuses_one_segment_values_flyteadmin_cannot_route(value: str) -> None:
    """flyteadmin decodes ``%2F`` before splitting the path, and Go's server redirects
    empty, ``.`` and ``..`` segments away: such a value would reach another route."""
    with pytest.raises(ValueError, match="does not fit"):
        parse_template("/v1/things/{id}").expand({"id": value})


def test_multi_segment_variables_keep_slashes_and_must_fit_their_pattern() -> None:
    t = parse_template("/v1/{parent=shelves/*}/books")
    assert t.expand({"parent": "shelves/s 1"}) == "/v1/shelves/s%201/books"
    assert t.match(components("/v1/shelves/s%201/books")) == {"parent": "shelves/s 1"}
    for bad in ("racks/1", "shelves", "shelves/1/2", "shelves/"):
        with pytest.raises(ValueError):
            t.expand({"parent": bad})
    deep = parse_template("/v1/files/{path=**}:download")
    assert deep.expand({"path": "a/b c/d.txt"}) == "/v1/files/a/b%20c/d.txt:download"
    assert deep.match(components("/v1/files/a/b%20c/d.txt:download")) == {"path": "a/b c/d.txt"}
    with pytest.raises(ValueError):
        deep.expand({"path": "a//b"})


def test_match_needs_every_literal_the_verb_and_the_segment_count() -> None:
    t = parse_template("/api/v1/projects/{id}")
    assert t.match(components("/api/v1/projects/p")) == {"id": "p"}
    assert t.match(components("/api/v1/projects/")) == {
        "id": ""
    }  # as grpc-gateway: an empty segment matches
    for path in ("/api/v1/projects", "/api/v1/projects/p/x", "/api/v2/projects/p"):
        assert t.match(components(path)) is None
    v = parse_template("/v1/things/{id}:cancel")
    assert v.match(components("/v1/things/t1:cancel")) == {"id": "t1"}
    assert (
        v.match(components("/v1/things/t1")) is None
        and v.match(components("/v1/things/:cancel")) is None
    )
    tail = parse_template("/v1/{rest=**}/end")
    assert tail.match(components("/v1/end")) == {"rest": ""}
    assert tail.match(components("/v1/a/b/end")) == {"rest": "a/b"}
    assert tail.match(components("/v1/a/b")) is None


def test_legacy_unescaping_splits_an_encoded_slash_as_flyteadmin_does() -> None:
    t = parse_template("/v1/things/{id}")
    assert t.match(components("/v1/things/a%2Fb")) is None
    assert components("/v1/a%2Fb") == ["v1", "a", "b"]


def test_unnamed_wildcards_match_but_cannot_be_expanded() -> None:
    t: PathTemplate = parse_template("/v1/*/x")
    assert t.match(components("/v1/anything/x")) == {}
    with pytest.raises(ValueError, match="unnamed"):
        t.expand({})
