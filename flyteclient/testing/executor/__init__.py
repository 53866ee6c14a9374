"""LocalAdmin's executor: executions run locally, end to end, as flyteadmin + flytepropeller
would run them on a cluster.

Tasks are started with flytekit's own entrypoint (``pyflyte-execute``, ``pyflyte-fast-execute``,
``pyflyte-map-execute``) in the server's Python environment (the task's image is not pulled),
with the container arguments' placeholders filled per attempt; inputs and outputs are literal
files (``inputs.pb``, ``outputs.pb``, ``error.pb``, ``futures.pb``) under LocalAdmin's data
directory, readable by any process on the machine. Workflow, node and task executions and
their events are recorded through LocalAdmin's own event RPCs.

Supported: python function tasks (and other task types flytekit runs in its entrypoint: shell
tasks, SQLite tasks, map tasks), subworkflows, launch plans (child executions), branches,
array nodes, dynamic workflows, gate nodes (sleep, signals, approvals through SignalService),
failure policies and failure nodes, retries (user errors against the task's retries, system
errors against propeller's budget of 3), timeouts, caching, checkpoints, terminate, relaunch
and recover. Other task types (raw containers, Spark, pods, agents...) fail their node with a
"not supported by LocalAdmin" error.
"""

from .engine import Executor

__all__ = ["Executor"]
