"""Personal data at rest (lianqin.pii): SM4-GCM round trip, tamper and column binding,
key rotation, clear errors for bad keys."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lianqin import pii


@pytest.fixture(autouse=True)
def keys(monkeypatch):
    old, new = pii.new_key_line(), pii.new_key_line()
    monkeypatch.setenv("LIANQIN_DATA_KEYS", f"{new},{old}")
    pii.forget_keys()
    yield {"old": old, "new": new}
    pii.forget_keys()


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_round_trip_for_any_text(text):
    stored = pii.encrypt(text, "cases.ReporterContact.phone")
    assert pii.decrypt(stored, "cases.ReporterContact.phone") == text
    if text:
        assert stored.startswith(pii.PREFIX)


def test_same_value_encrypts_differently_and_hides_digits():
    a, b = (pii.encrypt("13812345678", "c.phone") for _ in range(2))
    assert a != b
    assert "12345678" not in a


def test_a_value_moved_to_another_column_does_not_decrypt():
    stored = pii.encrypt("13812345678", "cases.ReporterContact.phone")
    with pytest.raises(pii.TamperedValue, match="不属于这一列"):
        pii.decrypt(stored, "cases.ReporterContact.name")


def test_an_edited_value_does_not_decrypt():
    stored = pii.encrypt("张三", "c.name")
    head, body = stored.rsplit(":", 1)
    flipped = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]
    with pytest.raises(pii.TamperedValue):
        pii.decrypt(f"{head}:{flipped}", "c.name")


def test_values_written_with_an_older_key_still_read(keys, monkeypatch):
    monkeypatch.setenv("LIANQIN_DATA_KEYS", keys["old"])
    pii.forget_keys()
    stored = pii.encrypt("110101199003077777", "c.id")
    monkeypatch.setenv("LIANQIN_DATA_KEYS", f"{keys['new']},{keys['old']}")
    pii.forget_keys()
    assert pii.decrypt(stored, "c.id") == "110101199003077777"
    assert pii.current_key_id() == keys["new"].split(":")[0]
    monkeypatch.setenv("LIANQIN_DATA_KEYS", keys["new"])
    pii.forget_keys()
    with pytest.raises(pii.TamperedValue, match="不在 LIANQIN_DATA_KEYS"):
        pii.decrypt(stored, "c.id")


def test_plaintext_from_before_encryption_reads_as_it_is():
    assert pii.decrypt("13812345678", "c.phone") == "13812345678"
    assert pii.encrypt("", "c.phone") == ""


@pytest.mark.parametrize("text", ["nocolon", "k1:notbase64!!", "k1:" + "QUJD", "k-1:AAAA"])
def test_malformed_keys_are_refused_with_the_fix(monkeypatch, text):
    monkeypatch.setenv("LIANQIN_DATA_KEYS", text)
    pii.forget_keys()
    with pytest.raises(ValueError, match="编号:base64密钥"):
        pii.encrypt("x", "c")


def test_without_keys_one_is_made_once_in_the_data_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("LIANQIN_DATA_KEYS")
    monkeypatch.setenv("LIANQIN_DATA_DIR", str(tmp_path))
    pii.forget_keys()
    stored = pii.encrypt("x", "c")
    path = tmp_path / "data_keys"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    pii.forget_keys()
    assert pii.decrypt(stored, "c") == "x"


def test_strict_reading_refuses_plain_text_written_around_the_application():
    with pytest.raises(pii.TamperedValue, match="未加密"):
        pii.decrypt("13812345678", "c.phone", strict=True)
    assert pii.decrypt("", "c.phone", strict=True) == ""


def test_two_processes_starting_together_keep_one_key(monkeypatch, tmp_path):
    """The key file is created exclusively: a second writer keeps the first one's key."""
    from lianqin import conf

    monkeypatch.delenv("LIANQIN_DATA_KEYS")
    monkeypatch.setenv("LIANQIN_DATA_DIR", str(tmp_path))
    conf.write_once(tmp_path / "data_keys", pii.new_key_line() + "\n")
    first = (tmp_path / "data_keys").read_text()
    conf.write_once(tmp_path / "data_keys", pii.new_key_line() + "\n")
    assert (tmp_path / "data_keys").read_text() == first
