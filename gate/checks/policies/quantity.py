"""Kubernetes quantities (`500m`, `512Mi`, `1e3`) as exact numbers for comparison.

A quantity string is read as Kubernetes reads it: `ParseQuantity` in
k8s.io/apimachinery/pkg/api/resource (quantity.go, suffix.go; checked against
apimachinery's main branch, commit eed236ce, July 2026):

- Grammar: `[+-]? digits [. digits] suffix`, ASCII digits only, where the
  suffix is one of `n u m "" k M G T P E` (powers of ten), `Ki Mi Gi Ti Pi Ei`
  (powers of two) or `e`/`E` and a signed integer exponent (`1e3`, `2.5E-2`).
  Surrounding whitespace is trimmed, as `Quantity.UnmarshalJSON` does before
  parsing; whitespace inside is an error.
- The exponent after `e`/`E` is parsed as a 64-bit integer (more than that is
  not a quantity) and then converted to a 32-bit one, which in Go keeps the low
  32 bits: `1e4294967296` is 1 (2^32 wraps to 0) and `1e4294967295` is 0.1
  (wraps to -1). Its scale arithmetic is 32-bit too and is reproduced here
  (`1e-2147483648` overflows it and reads as 10^2147483648, as in Go).
- A decimal value (SI suffix or exponent) is NOT capped: `1e999999999` is
  10^999999999 and stays greater than any smaller quantity. Only a binary-SI
  value is capped, at 2^63-1 in magnitude (`9Ei` reads as 9223372036854775807,
  `-9Ei` as its negative).
- A non-zero value is rounded away from zero to a whole number of nano units:
  `0.9n` and `1e-999999999` read as 1n (1e-9), `-3.001n` as -4n.

Integers are exact. A float is read through its shortest repr (`0.1` is 100m,
not the nearest binary fraction), the text a JSON encoder would hand to
`UnmarshalJSON`; NaN and infinities are not quantities.

Where gate is stricter than apimachinery: a quantity needs at least one digit.
apimachinery reads `m`, `Mi`, `.`, `-` and `+Ki` as 0; gate reads them as no
quantity, so a comparison on them fails and says so.

Work is bounded whatever the input: the exponent is decided from its digit
count before it is converted, and values are `decimal.Decimal`s (a coefficient
and an exponent), so `1e999999999` is two small numbers, not 10^999999999,
and a string of a million digits costs a few milliseconds. Python's int-digit
limit (4300) never applies: no long digit string is turned into an int.
"""

from __future__ import annotations

import math
import re
from decimal import MAX_EMAX, MIN_EMIN, ROUND_UP, Context, Decimal, InvalidOperation
from typing import Any

# `[+-]? digits [. digits]` then a suffix or an exponent. Every part is anchored by a
# character class the next part cannot start with, so matching is linear in the length.
_QUANTITY = re.compile(
    r"(?P<sign>[+-]?)(?P<whole>[0-9]*)(?:\.(?P<fraction>[0-9]*))?"
    r"(?:(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE](?P<exponent>[+-]?[0-9]+))?",
    re.ASCII,
)
# Go's unicode.IsSpace: what strings.TrimSpace removes (Python's str.strip also
# removes \x1c-\x1f, which Go keeps).
_GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_DECIMAL_SUFFIX = {
    "n": -9,
    "u": -6,
    "m": -3,
    "": 0,
    "k": 3,
    "M": 6,
    "G": 9,
    "T": 12,
    "P": 15,
    "E": 18,
}
_BINARY_SUFFIX = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_INT64_MAX = 2**63 - 1
_BINARY_CAP = Decimal(_INT64_MAX)
_NANO = Decimal("1e-9")


def _int32(value: int) -> int:
    """Go's int32(value): the low 32 bits, two's complement."""
    return (value + 2**31) % 2**32 - 2**31


def _go_int64(text: str) -> int | None:
    """strconv.ParseInt(text, 10, 64): None when out of range; never converts long text."""
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-").lstrip("0") or "0"
    if len(digits) > 19:  # more than int64 can hold, whatever the digits
        return None
    value = sign * int(digits)
    return value if -(2**63) <= value <= _INT64_MAX else None


def _context(digits: int) -> Context:
    """Exact arithmetic for a value of `digits` significant digits (a little headroom)."""
    return Context(
        prec=digits + 40, Emax=MAX_EMAX, Emin=MIN_EMIN, rounding=ROUND_UP, traps=[InvalidOperation]
    )


def _round_up_to_nano(value: Decimal, digits: int) -> Decimal:
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent >= -9:
        return value  # zero, or already a whole number of nano units
    # ROUND_UP rounds away from zero, like inf.RoundUp on the magnitude in apimachinery.
    return value.quantize(_NANO, context=_context(digits))


def _parse_text(text: str) -> Decimal | None:
    match = _QUANTITY.fullmatch(text.strip(_GO_SPACE))
    if match is None:
        return None
    sign, whole, fraction = match["sign"], match["whole"], match["fraction"] or ""
    if not whole and not fraction:
        return None  # apimachinery reads a digitless number as 0; gate refuses it
    digits = (whole + fraction).lstrip("0")
    if match["exponent"] is not None:
        exponent = _go_int64(match["exponent"])
        if exponent is None:
            return None  # strconv.ParseInt fails: ErrSuffix
        binary, power = False, _int32(exponent)
    elif match["suffix"] in _BINARY_SUFFIX:
        binary, power = True, _BINARY_SUFFIX[match["suffix"]]
    else:
        binary, power = False, _DECIMAL_SUFFIX[match["suffix"] or ""]
    if not digits:
        return Decimal(0)
    negative = sign == "-"
    if not binary:
        # inf.Dec scale = len(fraction) + (-exponent), both int32 in Go.
        scale = _int32(_int32(len(fraction)) + _int32(-power))
        value = Decimal(f"{sign}{digits}E{-scale}")
        return _round_up_to_nano(value, len(digits))
    # value = digits * 2^power / 10^len(fraction), capped at 2^63-1 in magnitude.
    integer_digits = len(digits) - len(fraction)
    if integer_digits > 20:  # >= 10^20 * 2^10: over the cap before any arithmetic
        return -_BINARY_CAP if negative else _BINARY_CAP
    context = _context(len(digits))
    value = context.multiply(Decimal(f"{digits}E-{len(fraction)}"), Decimal(2**power))
    value = min(_round_up_to_nano(value, len(digits) + 20), _BINARY_CAP)
    return -value if negative else value


def parse_quantity(value: Any) -> Decimal | None:
    """The value of a number or quantity string as Kubernetes reads it; None when it is neither.

    Decimals compare exactly with each other, with ints and with Fractions.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # repr() is the decimal a person wrote (0.1), not the nearest binary fraction.
        return _parse_text(repr(value)) if math.isfinite(value) else None
    if isinstance(value, str):
        return _parse_text(value)
    return None
