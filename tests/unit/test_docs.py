"""The workflow page lists every state and every edge of the table."""

from pathlib import Path

from lianqin.cases.workflow import STATE_LABELS, TRANSITIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "workflow.md"


def test_workflow_doc_is_complete():
    text = DOC.read_text(encoding="utf-8")
    for state in STATE_LABELS:
        assert f"`{state}`" in text
    for t in TRANSITIONS:
        assert t.reason in text, t.action
