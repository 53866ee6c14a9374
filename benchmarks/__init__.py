"""Benchmarks for flyteclient (issue 8): import time, unary call overhead, pagination,
regeneration time and pager memory, each against its floor in the same run.

Run with ``scripts/bench`` (or ``python -m benchmarks.run``); ``--quick`` for a smoke run.
Layout: :mod:`benchmarks.server` is the separate-process gRPC server answering
GetExecution and ListTasks with fixed, pre-encoded responses; :mod:`benchmarks.fixtures`
builds the messages; :mod:`benchmarks.clients` holds the three client loops;
:mod:`benchmarks.measure` the timing helpers; :mod:`benchmarks.run` the driver.
"""
