"""Pieces of the executor that need no flytekit: propeller's naming rules, Go durations, the
container-argument renderer, bindings and branch conditions, and the store's after-commit
hook the executor is started from."""

from __future__ import annotations

import pytest
from flyteidl.core import condition_pb2, literals_pb2, tasks_pb2
from google.protobuf import struct_pb2

from flyteclient.testing.executor import bindings, ids, launch
from flyteclient.testing.server import KINDS
from flyteclient.testing.store import Store


def test_unique_node_ids_follow_propeller():
    assert ids.unique_node_id(None, 0, "n0") == "n0"
    assert ids.unique_node_id("n1", 0, "n2") == "n1-0-n2"
    long = ids.unique_node_id("n1-0-n2-0-n3", 2, "n4-with-a-long-name")
    assert len(long) == 8 and long[0] == "f"
    assert set(long[1:]) <= set("abcdefghijklmnopqrstuvwxyz123456")
    assert long == ids.unique_node_id("n1-0-n2-0-n3", 2, "n4-with-a-long-name")  # stable
    assert long != ids.unique_node_id("n1-0-n2-0-n3", 3, "n4-with-a-long-name")
    name = ids.child_execution_name("abcdefghij0123456789", "n0", 0)
    assert len(name) <= 20 and name[0].isalpha()


@pytest.mark.parametrize(
    "seconds, text",
    [(1, "1s"), (60, "1m0s"), (3661, "1h1m1s"), (0.5, "500ms"), (1.5, "1.5s"), (0, "0s")],
)
def test_go_durations(seconds, text):
    assert ids.go_duration(seconds) == text


def test_container_arguments_are_rendered_per_attempt():
    template = tasks_pb2.TaskTemplate()
    template.container.args.extend(
        [
            "pyflyte-execute",
            "--inputs",
            "{{.input}}",
            "--output-prefix",
            "{{ .OutputPrefix }}",
            "--raw-output-data-prefix",
            "{{.rawOutputDataPrefix}}",
            "--prev-checkpoint",
            "{{.prevCheckpointPrefix}}",
            "--n",
            "{{.Inputs.n}}",
        ]
    )
    inputs = literals_pb2.LiteralMap()
    inputs.literals["n"].scalar.primitive.integer = 7
    paths = launch.Paths(
        input="/d/inputs.pb",
        input_prefix="/d",
        output_prefix="/d/0",
        raw_output_prefix="/raw/0",
        checkpoint="/raw/0/_flytecheckpoints",
        prev_checkpoint="",
        unique_key="k",
    )
    argv = launch.render(template, paths, inputs)
    assert argv == [
        "pyflyte-execute",
        "--inputs",
        "/d/inputs.pb",
        "--output-prefix",
        "/d/0",
        "--raw-output-data-prefix",
        "/raw/0",
        "--prev-checkpoint",
        '""',
        "--n",
        "7",
    ]
    launch.check_entrypoint(argv)
    with pytest.raises(launch.UnsupportedTask, match="not with one of flytekit's entrypoints"):
        launch.check_entrypoint(["echo", "hi"])
    fast = [
        "pyflyte-fast-execute",
        "--additional-distribution",
        "s3://b/x.tar.gz",
        "--dest-dir",
        "/root",
    ]
    assert launch.localize_distribution(fast, lambda uri: "/local/x.tar.gz") == [
        "pyflyte-fast-execute",
        "--additional-distribution",
        "/local/x.tar.gz",
        "--dest-dir",
        ".",
    ]


def _int(v: int) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.primitive.integer = v
    return lit


def test_bindings_resolve_promises_collections_and_attribute_paths():
    outputs = {"start-node": literals_pb2.LiteralMap(literals={"a": _int(1)})}
    point = literals_pb2.Literal()
    st = struct_pb2.Struct()
    st.update({"x": 3, "tags": ["p", "q"]})
    point.scalar.generic.CopyFrom(st)
    outputs["n0"] = literals_pb2.LiteralMap(literals={"o0": point})
    data = literals_pb2.BindingData()
    data.collection.bindings.add().promise.var = "a"
    ref = data.collection.bindings.add().promise
    ref.node_id, ref.var = "n0", "o0"
    ref.attr_path.add(string_value="tags")
    ref.attr_path.add(int_value=1)
    got = bindings.resolve(data, outputs, "n1")
    assert got.collection.literals[0].scalar.primitive.integer == 1
    assert got.collection.literals[1].scalar.primitive.string_value == "q"
    missing = literals_pb2.BindingData()
    missing.promise.node_id, missing.promise.var = "n0", "nope"
    with pytest.raises(bindings.BindingError, match="variable \\[nope\\] not found"):
        bindings.resolve(missing, outputs, "n1")


def test_branch_conditions():
    C = condition_pb2.ComparisonExpression
    inputs = literals_pb2.LiteralMap(literals={".n": _int(4)})

    def cmp(op: int, value: int) -> condition_pb2.BooleanExpression:
        e = condition_pb2.BooleanExpression()
        e.comparison.operator = op
        e.comparison.left_value.var = ".n"
        e.comparison.right_value.primitive.integer = value
        return e

    assert bindings.evaluate(cmp(C.GT, 3), inputs)
    assert not bindings.evaluate(cmp(C.EQ, 3), inputs)
    both = condition_pb2.BooleanExpression()
    both.conjunction.operator = condition_pb2.ConjunctionExpression.AND
    both.conjunction.left_expression.CopyFrom(cmp(C.GTE, 4))
    both.conjunction.right_expression.CopyFrom(cmp(C.LT, 4))
    assert not bindings.evaluate(both, inputs)
    none = literals_pb2.Literal()
    none.scalar.none_type.SetInParent()
    is_none = condition_pb2.BooleanExpression()
    is_none.comparison.operator = C.EQ
    is_none.comparison.left_value.var = "x"
    is_none.comparison.right_value.scalar.none_type.SetInParent()
    assert bindings.evaluate(is_none, literals_pb2.LiteralMap(literals={"x": none}))
    with pytest.raises(bindings.BindingError, match="not bound"):
        bindings.evaluate(cmp(C.GT, 1), literals_pb2.LiteralMap())


def test_after_commit_runs_once_committed_and_never_after_a_rollback():
    store = Store(KINDS)
    seen = []
    with store.transaction():
        store.after_commit(lambda: seen.append("committed"))
        assert seen == []
    assert seen == ["committed"]
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.after_commit(lambda: seen.append("rolled back"))
            raise RuntimeError("boom")
    store.after_commit(lambda: seen.append("outside"))
    assert seen == ["committed", "outside"]
