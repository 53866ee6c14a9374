"""Where things are in the checkout (the tests run from anywhere under it)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
GENERATED = ROOT / "flyteclient" / "generated"
