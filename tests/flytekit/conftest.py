"""Every test here runs flytekit: skipped where flytekit cannot be installed, failed where
it should be (tests/support/optional.py)."""

from tests.support.optional import require

require("flytekit")
