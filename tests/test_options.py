"""One set of option rules everywhere: the same value is refused by `run`, `assess` and the
report notebook's parameters, with the option's name, the value and why."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from qcplan import options
from qcplan.batch import run as qrun
from qcplan.cli import main
from qcplan.errors import ParameterError

NEXT_YEAR_PLUS = (dt.date.today() + dt.timedelta(days=400)).isoformat()

# (option, bad value, words of the reason)
BAD = [
    ("--cell-timeout", "30.5", "whole number of seconds"),
    ("--cell-timeout", "inf", "whole number of seconds"),
    ("--cell-timeout", "0", "from 1 to"),
    ("--timeout", "inf", "finite number of seconds"),
    ("--timeout", "nan", "finite number of seconds"),
    ("--timeout", "-1", "finite number of seconds"),
    ("--n-sims", "1", "from 100 to 1,000,000"),
    ("--n-sims", "100000000", "from 100 to 1,000,000"),
    ("--seed", "-1", "from 0 to 4,294,967,295"),
    ("--seed", str(2**40), "from 0 to 4,294,967,295"),
    ("--jobs", "0", "from 1 to 64"),
    ("--jobs", "1000", "from 1 to 64"),
    ("--as-of", "1900", "from 2000-01-01"),
    ("--as-of", NEXT_YEAR_PLUS, "from 2000-01-01"),
    ("--as-of", "2026-02-30", "a real date"),
    ("--as-of", "someday", "a real date"),
]


@pytest.mark.parametrize(("key", "value", "why"), BAD)
def test_each_rule_says_why(key: str, value: str, why: str):
    check = options.CHECKS[key.lstrip("-").replace("-", "_")]
    with pytest.raises(ParameterError) as e:
        check(value)
    assert key in str(e.value) and why in str(e.value)


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("n_sims", "100", 100), ("n_sims", 1_000_000, 1_000_000), ("seed", 0, 0),
    ("jobs", 2, 2), ("timeout", "30.5", 30.5), ("timeout", None, None),
    ("cell_timeout", 30.0, 30), ("cell_timeout", None, None),
    ("as_of", "2026", dt.date(2026, 12, 31)), ("as_of", "2000-01-01", dt.date(2000, 1, 1)),
    ("lang", "en", "en"),
])
def test_good_values_pass(key: str, value: object, expected: object):
    assert options.CHECKS[key](value) == expected


def test_bool_is_not_a_number():
    for check in (options.check_n_sims, options.check_seed, options.check_jobs):
        with pytest.raises(ParameterError):
            check(True)


@pytest.mark.parametrize(("key", "value", "why"),
                         [b for b in BAD if b[0] not in ("--timeout", "--cell-timeout", "--jobs")])
def test_assess_applies_the_same_rules(capsys, key: str, value: str, why: str):
    assert main(["assess", key, value]) == 2
    err = capsys.readouterr().err
    assert key in err and why in err and "Traceback" not in err


@pytest.mark.parametrize(("key", "value", "why"), BAD)
def test_run_applies_the_same_rules(capsys, tmp_path: Path, key: str, value: str, why: str):
    out = tmp_path / "reports"
    assert main(["run", "--out", str(out), "--quiet", key, value]) == 2
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert key in text and why in text and "Traceback" not in text
    assert not out.exists()


def test_run_batch_collects_every_problem(tmp_path: Path):
    log = io.StringIO()
    result = qrun.run_batch(lang="fr", jobs=0, timeout=float("inf"), cell_timeout=30.5,
                            n_sims=1, seed=-1, as_of="1900", out=tmp_path / "r", log=log)
    assert result.exit_code == 2
    text = log.getvalue()
    for key in ("--lang", "--jobs", "--timeout", "--cell-timeout", "--n-sims", "--seed",
                "--as-of"):
        assert key in text, key


@pytest.mark.parametrize(("param", "value", "why"), [
    ("n_sims", 1, "from 100 to 1,000,000"), ("n_sims", 10**8, "from 100 to 1,000,000"),
    ("as_of", "1900", "from 2000-01-01"), ("seed", -5, "from 0 to"), ("lang", "fr", "zh, en"),
])
def test_report_notebook_parameters_follow_the_same_rules(param: str, value: object, why: str):
    from qcplan.render.report import ReportContext

    with pytest.raises(ParameterError) as e:
        ReportContext.open(pillar="industry", **{param: value})
    assert why in str(e.value) and "notebook parameters" in str(e.value)
