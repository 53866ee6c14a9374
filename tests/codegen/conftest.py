"""The generator's tests need its dev dependencies: skipped in an environment built
without them (the floor cells of scripts/test-matrix), failed in the development one."""

from tests.support.optional import require

require("black", "jinja2", "grpcio-tools", why="the generator's dependencies")
