import pytest

from lianqin.cases.masking import mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+86 138-1234-5678", "861****5678"),
        ("025-5812345", "02***45"),
        ("", ""),
        ("12345", "*****"),
    ],
)
def test_mask_phone(raw, masked):
    assert mask_phone(raw) == masked


def test_mask_id_number_keeps_only_ends():
    assert mask_id_number("32011119800101123X") == "320***********123X"
    assert mask_id_number("1234") == "****"


def test_mask_name_keeps_family_name():
    assert mask_name("张三丰") == "张**"
    assert mask_name("李") == "李*"
    assert mask_name(" ") == ""
