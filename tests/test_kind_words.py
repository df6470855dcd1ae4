"""The word tables of the written findings: every kind has its words, and every (zh, en) pair has
its Chinese first and no Chinese in its English."""

from __future__ import annotations

import re

import pytest

from qcplan.model.kinds import kind_of
from qcplan.plan.schema import KINDS
from qcplan.render.finding_words import FINDING, NEED, PARAGRAPH, VERDICT
from qcplan.render.i18n import KIND
from qcplan.render.kind_words import KIND_WORDS
from qcplan.render.status_table import SCALE_SYMBOL
from qcplan.render.status_table import WORDS as TABLE_WORDS

HAN = re.compile(r"[\u4e00-\u9fff]")


def _pairs():
    tables = {"finding": FINDING, "need": NEED, "paragraph": PARAGRAPH, "verdict": VERDICT,
              "status_table": TABLE_WORDS}
    for kind, words in KIND_WORDS.items():
        for key, value in words.items():
            if isinstance(value, dict):  # by rule
                tables[f"{kind}.{key}"] = value
            elif isinstance(value, tuple):
                yield f"{kind}.{key}", value
    for name, table in tables.items():
        for key, value in table.items():
            yield f"{name}.{key}", value


def test_every_kind_of_the_schema_has_its_words_and_label():
    for kind in KINDS:
        assert kind in KIND_WORDS, kind
        assert kind_of(kind).threshold_scale in ("unit", *SCALE_SYMBOL), kind
        assert kind in KIND, kind
    for kind in set(KINDS) - {"milestone"}:  # a milestone's finding has no pace
        assert {"pace", "need", "projection"} <= set(KIND_WORDS[kind]), kind


@pytest.mark.parametrize("name,pair", list(_pairs()))
def test_pairs_are_zh_then_en(name: str, pair: tuple[str, str]):
    zh, en = pair
    assert not HAN.search(en), f"{name}: Chinese in the English {en!r}"
    if HAN.search(en + zh):
        assert HAN.search(zh), name

