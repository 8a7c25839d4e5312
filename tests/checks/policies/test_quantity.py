"""parse_quantity: Kubernetes quantities as exact numbers."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from gate.checks.policies.quantity import parse_quantity


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", Fraction(0)),
        ("1", Fraction(1)),
        ("100m", Fraction(1, 10)),
        ("0.5", Fraction(1, 2)),
        (".5", Fraction(1, 2)),
        ("1.5", Fraction(3, 2)),
        ("250n", Fraction(250, 10**9)),
        ("3u", Fraction(3, 10**6)),
        ("1k", Fraction(1000)),
        ("1M", Fraction(10**6)),
        ("2G", Fraction(2 * 10**9)),
        ("1T", Fraction(10**12)),
        ("1P", Fraction(10**15)),
        ("1E", Fraction(10**18)),
        ("1Ki", Fraction(1024)),
        ("512Mi", Fraction(512 * 2**20)),
        ("1Gi", Fraction(2**30)),
        ("1.5Gi", Fraction(3 * 2**29)),
        ("1Ti", Fraction(2**40)),
        ("1Pi", Fraction(2**50)),
        ("1Ei", Fraction(2**60)),
        ("1e3", Fraction(1000)),
        ("1E3", Fraction(1000)),
        ("1e-3", Fraction(1, 1000)),
        ("2.5e+2", Fraction(250)),
        ("+5", Fraction(5)),
        ("-1", Fraction(-1)),
        (" 100m ", Fraction(1, 10)),
    ],
)
def test_quantity_strings(text: str, value: Fraction) -> None:
    assert parse_quantity(text) == value


def test_orderings_across_suffixes() -> None:
    def q(value: Any) -> Fraction:
        parsed = parse_quantity(value)
        assert parsed is not None, value
        return parsed

    assert q("100m") < q("0.5")
    assert q("500m") == q("0.5")
    assert q("512Mi") < q("1Gi")
    assert q("1024Mi") == q("1Gi")
    assert q("1e3") == q(1000) == q("1k")
    assert q("1Ki") > q("1k")
    assert q("1E") == q("1e18")
    assert q("1Ei") > q("1E")
    assert q("1") == q(1) == q(1.0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, Fraction(0)),
        (120, Fraction(120)),
        (-3, Fraction(-3)),
        (0.5, Fraction(1, 2)),
        (2.0, Fraction(2)),
        (1.5, Fraction(3, 2)),
    ],
)
def test_ints_and_floats(value: float, expected: Fraction) -> None:
    assert parse_quantity(value) == expected


@pytest.mark.parametrize(("number", "text"), [(0.1, "100m"), (0.3, "300m"), (0.2, "200m")])
def test_floats_equal_their_decimal_quantity(number: float, text: str) -> None:
    # YAML `cpu: 0.1` is a float; Kubernetes reads it as 100m, so must the gate
    # (otherwise `cpu: 0.3` fails `gte: 300m` and `cpu: 0.1` fails `lte: 100m`).
    assert parse_quantity(number) == parse_quantity(text)


@pytest.mark.parametrize(
    "value",
    [
        True,
        False,
        None,
        "",
        " ",
        "abc",
        "Mi",
        "m",
        "1mi",
        "1KI",
        "1 Mi",
        "1.2.3",
        "1e",
        "e3",
        "0x10",
        "1_000",
        "1Mix",
        "10%",
        "١٠٠",  # Arabic-Indic digits: not a Kubernetes quantity
        float("nan"),
        float("inf"),
        float("-inf"),
        [1],
        {"cpu": 1},
        b"100m",
    ],
)
def test_non_quantities_are_none(value: Any) -> None:
    assert parse_quantity(value) is None
