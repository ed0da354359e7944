"""The logging filter (lianqin.logfilter): no phone or ID number survives in a log line,
whether it is in the message, the arguments uvicorn's access log formats one by one, a
percent-escaped URL or a traceback."""

from __future__ import annotations

import logging

from lianqin.logfilter import MaskPersonalData

PHONE, ID_NUMBER = "13812345678", "11010519491231002X"


def emit(msg, args, exc_info=None) -> str:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, msg, args, exc_info)
    assert MaskPersonalData().filter(record)
    return logging.Formatter("%(message)s").format(record)


def test_access_log_arguments_stay_arguments_and_are_masked():
    line = emit('%s - "%s %s HTTP/%s" %d',
                ("127.0.0.1:5000", "GET", f"/console/?q=%22{PHONE}%22&id=idcard{ID_NUMBER}",
                 "1.1", 200))  # fmt: skip
    assert PHONE not in line and ID_NUMBER not in line and "138****5678" in line
    assert line.startswith('127.0.0.1:5000 - "GET /console/?q=') and line.endswith(" 200")


def test_plain_messages_dotted_numbers_and_tracebacks():
    assert PHONE not in emit("caller 138.1234.5678 called", None).replace(".", "")
    try:
        raise ValueError(f"bad payload {PHONE}")
    except ValueError:
        import sys

        line = emit("failed %s", (f"+86 {PHONE}",), sys.exc_info())
    assert PHONE not in line and "bad payload 138****5678" in line
