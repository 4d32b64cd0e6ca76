from __future__ import annotations

import pytest

from bot.yamlio import MDict, MList, Problem, load_text, pos_of


def test_positions_of_keys_values_and_items() -> None:
    data = load_text("a: 1\nb:\n  - x\n  - {c: 2}\n", "f.yml")
    assert isinstance(data, MDict)
    assert str(data.key_pos["b"]) == "f.yml:2:1"
    items = data["b"]
    assert isinstance(items, MList)
    assert str(items.item_pos[1]) == "f.yml:4:5"
    assert str(pos_of(data, ("b", 1, "c"))) == "f.yml:4:9"


def test_yes_and_no_stay_text_as_in_yaml_1_2() -> None:
    data = load_text("yes: on\nno: off\nflag: true\n", "f.yml")
    assert data == {"yes": "on", "no": "off", "flag": True}


def test_duplicate_key_names_both_lines() -> None:
    with pytest.raises(Problem) as info:
        load_text("a: 1\nb: 2\na: 3\n", "f.yml")
    assert str(info.value) == "f.yml:3:1: duplicate key 'a' (first at line 1)"


def test_syntax_error_has_line_and_column() -> None:
    with pytest.raises(Problem) as info:
        load_text("a: [1, 2\nb: 3\n", "f.yml")
    assert str(info.value).startswith("f.yml:2:")
    assert "YAML syntax" in str(info.value)


def test_dates_are_dates() -> None:
    import datetime as dt

    assert load_text("from: 2026-01-01\n", "f.yml") == {"from": dt.date(2026, 1, 1)}
