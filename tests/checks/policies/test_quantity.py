"""parse_quantity: Kubernetes quantities as exact numbers."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from gate.checks.policies.quantity import parse_quantity
from tests.bounds import measure

MiB = 1024 * 1024
INT64_MAX = 2**63 - 1
QUANTITY_IMPORTS = (
    "from fractions import Fraction\nfrom gate.checks.policies.quantity import parse_quantity"
)


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


def q(value: Any) -> Decimal:
    parsed = parse_quantity(value)
    assert parsed is not None, value
    return parsed


# What apimachinery's own tests (pkg/api/resource/quantity_test.go) expect of ParseQuantity.
@pytest.mark.parametrize(
    ("text", "value"),
    [
        # rounded away from zero to whole nano units
        ("3.001n", Fraction(4, 10**9)),
        ("-3.001n", Fraction(-4, 10**9)),
        ("1.1E-9", Fraction(2, 10**9)),
        ("0.0000000001", Fraction(1, 10**9)),
        ("0.0000000005", Fraction(1, 10**9)),
        ("0.5e-9", Fraction(1, 10**9)),
        ("0.9n", Fraction(1, 10**9)),
        ("0.00000012345", Fraction(124, 10**9)),
        ("0.000000000001Ki", Fraction(2, 10**9)),
        # binary SI is capped at 2^63-1 in magnitude
        ("9Ei", Fraction(INT64_MAX)),
        ("-9Ei", Fraction(-INT64_MAX)),
        ("9223372036854775807Ki", Fraction(INT64_MAX)),
        ("1" * 5000 + "Ki", Fraction(INT64_MAX)),
        ("7.99999Ei", Fraction(799999 * 2**60, 10**5)),
        # decimal values are not capped
        ("12E", Fraction(12 * 10**18)),
        ("-9223372036854775809", Fraction(-9223372036854775809)),
        ("9223372036854775807.1", Fraction(92233720368547758071, 10)),
        ("100.035Ki", Fraction(10243584, 100)),
        ("0.05Gi", Fraction(536870912, 10)),
        (".001", Fraction(1, 1000)),
        ("1.", Fraction(1)),
        ("0e5", Fraction(0)),
        ("-0", Fraction(0)),
        ("00012", Fraction(12)),
        ("1e+0005", Fraction(10**5)),
    ],
)
def test_kubernetes_rounding_and_caps(text: str, value: Fraction) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # strconv.ParseInt(exponent, 10, 64), then int32(): the low 32 bits
        ("1e4294967296", Fraction(1)),  # 2^32 wraps to 0
        ("1e4294967295", Fraction(1, 10)),  # 2^32-1 wraps to -1
        ("1e4294967299", Fraction(1000)),
        ("1e9223372036854775807", Fraction(1, 10)),  # int64 max: low 32 bits are -1
        ("1e-4294967294", Fraction(100)),
        ("1e" + "0" * 100_000 + "5", Fraction(10**5)),  # leading zeros are no limit
    ],
)
def test_exponent_is_an_int64_truncated_to_int32(text: str, value: Fraction) -> None:
    # In a child process: before the fix, these computed 10**exponent for hours.
    measured = measure(
        f"parse_quantity({text!r}) == Fraction({value.numerator}, {value.denominator})",
        setup=QUANTITY_IMPORTS,
    )
    assert measured.result == "True"
    assert measured.seconds < 2.0, measured


@pytest.mark.parametrize(
    "text",
    [
        "1e9223372036854775808",  # out of int64: strconv.ParseInt fails
        "1e-9223372036854775809",
        "1e" + "9" * 100_000,
        "1e+",
        "1e-",
        "1ee5",
        "1e5.5",
        "\x1c1",  # Go's TrimSpace keeps the file separator; so does gate
        "1 000",
    ],
)
def test_not_quantities_in_kubernetes_either(text: str) -> None:
    measured = measure(f"parse_quantity({text!r}) is None", setup=QUANTITY_IMPORTS)
    assert measured.result == "True"


def test_surrounding_whitespace_is_trimmed_as_unmarshal_json_does() -> None:
    assert q("\t 512Mi\n") == 512 * MiB
    assert q("\u00a0100m\u3000") == Fraction(1, 10)


ORDERINGS = [
    "q('1e999999999') > q(120)",
    "q('1e999999999') > q('9Ei')",
    "q('2e999999999') > q('1e999999999')",
    "q('-1e999999999') < q('-9Ei') < q(0)",
    "q('1e2147483647') > q('1e999999999')",
    # tiny non-zero values round up to 1n, away from zero
    "q('1e-999999999') == q('1n') > 0",
    "q('-1e-999999999') == q('-1n') < 0",
    "q('1e-999999999') < q('100m')",
    "q('1' * 100_000) > q('9' * 99_999)",
    "q('1' * 100_000) < q('1' * 100_000 + '1')",
    "q('1' * 5000) > q('1e4998')",
    "q('1' * 5000) < q('2e4999')",
    "q('0.' + '0' * 100_000 + '1') == q('1n')",
]


@pytest.mark.parametrize("comparison", ORDERINGS)
def test_huge_and_tiny_keep_their_order(comparison: str) -> None:
    # In a child process: before the fix, q('1e999999999') computed 10**999999999 for hours.
    measured = measure(
        comparison, setup="from gate.checks.policies.quantity import parse_quantity as q"
    )
    assert measured.result == "True", comparison
    assert measured.seconds < 2.0, measured


BOUNDED = [
    "'1e999999999'",
    "'-1e-999999999'",
    "'1e2147483647'",
    "'1' * 100_000",
    "'1' * 5000",
    "'9' * (1024 * 1024)",  # a 1 MB string of digits
    "'9' * (1024 * 1024) + 'x'",
    "'9' * (1024 * 1024) + 'Ei'",
    "'0.' + '0' * (1024 * 1024) + '1Ki'",
    "'0.' + '1' * (1024 * 1024) + 'Ki'",
    "'1.' + '1' * (1024 * 1024) + 'e-999999999'",
    "'1e' + '0' * (1024 * 1024) + '999999999'",
    "'1e' + '9' * (1024 * 1024)",
    "'.' + '5' * (1024 * 1024) + 'n'",
]


@pytest.mark.parametrize("text", BOUNDED)
def test_work_is_bounded_whatever_the_input(text: str) -> None:
    measured = measure(
        "parse_quantity(TEXT)",
        setup=f"from gate.checks.policies.quantity import parse_quantity\nTEXT = {text}",
    )
    assert measured.seconds < 2.0, measured
    assert measured.peak_bytes < 200 * MiB, measured
