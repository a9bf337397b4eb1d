"""Documentation that is derived from code stays current."""

from pathlib import Path

from orus.bytecode import opcodes

ROOT = Path(__file__).resolve().parent.parent


def test_architecture_opcode_table_is_current():
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    assert opcodes.markdown_table() in text, (
        "regenerate the table: python -m orus.bytecode.opcodes, paste into docs/ARCHITECTURE.md")
