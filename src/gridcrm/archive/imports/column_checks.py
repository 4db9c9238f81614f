"""Arrow checks over a whole text column of an import: they accept only cells that the
column's validators surely accept unchanged (already stripped, not a formula, no NUL,
regular expressions, lengths, check characters of certificate numbers), so only the
other cells go through ``FieldSpec.clean``'s fast twin one by one (``Cleaner``).

The check characters are those of ``archive.validators`` (the weights and alphabets are
its own constants), applied to a column at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.core.validators import (
    MaxLengthValidator,
    MinLengthValidator,
    ProhibitNullCharactersValidator,
    RegexValidator,
)

from gridcrm.archive import validators
from gridcrm.archive.industries import INDUSTRY_CODE_RE
from gridcrm.archive.validators import validate_certificate_no, validate_industry_code

# A cell the column checks accept starts and ends with a letter, digit, punctuation or
# symbol (never whitespace, so it is already stripped) and does not start like a formula.
STRIPPED = r"^[\p{L}\p{N}\p{P}\p{S}]((?s:.*)[\p{L}\p{N}\p{P}\p{S}])?$"
FORMULA = r"^[=+\-@]"
# Regular expressions whose meaning is the same (or narrower) in RE2 as in Python: only
# literal characters, \d (ASCII in RE2, wider in Python), classes without negation.
_SAFE_REGEX = re.compile(r"^(?:[^\\\[]|\\d|\[[^\^\]\\]*\])*$")


Check = Callable[[pa.Array], Any]


def _regex_check(pattern: str) -> Check:
    return lambda array: pc.match_substring_regex(array, pattern)


def _length_check(compare: Callable[[Any, int], Any], limit: int) -> Check:
    return lambda array: compare(pc.utf8_length(array), limit)


def _utf8(array: pa.Array) -> tuple[Any, Any]:
    """A string array's offsets (one more than its cells) and its UTF-8 bytes."""
    _validity, offsets, data = array.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int32, count=len(array) + 1, offset=4 * array.offset)
    text = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    return bounds, text


def no_nul(array: pa.Array) -> Any:
    _bounds, text = _utf8(array)
    if not (text == 0).any():  # one pass over the bytes, not a search per cell
        return np.ones(len(array), dtype=bool)
    return pc.invert(pc.match_substring(array, "\x00")).to_numpy(zero_copy_only=False)


_FORMULA_BYTES = np.frombuffer(b"=+-@", dtype=np.uint8)


def no_formula(array: pa.Array) -> Any:
    """No cell starts with ``= + - @`` (a cell's first byte; none of them is part of a
    longer UTF-8 character)."""
    bounds, text = _utf8(array)
    passing = np.ones(len(array), dtype=bool)
    filled = np.flatnonzero(bounds[1:] > bounds[:-1])
    passing[filled] = ~np.isin(text[bounds[filled]], _FORMULA_BYTES)
    return passing


# Bytes that are a whole character, not whitespace or a control: ASCII ! to ~.
_VISIBLE_ASCII = np.zeros(256, dtype=bool)
_VISIBLE_ASCII[0x21:0x7F] = True


def _cjk_at(text: Any, at: Any) -> Any:
    """Whether a three-byte UTF-8 character starting at each position is a CJK ideograph
    (U+3400–U+4DBF, U+4E00–U+9FFF: letters, never whitespace)."""
    lead = text[at].astype(np.int64)
    three = (lead & 0xF0) == 0xE0
    safe = np.where(three, at, 0)
    point = (
        ((lead & 0x0F) << 12)
        | ((text[np.minimum(safe + 1, len(text) - 1)].astype(np.int64) & 0x3F) << 6)
        | (text[np.minimum(safe + 2, len(text) - 1)].astype(np.int64) & 0x3F)
    )
    return three & (
        ((point >= 0x3400) & (point <= 0x4DBF)) | ((point >= 0x4E00) & (point <= 0x9FFF))
    )


def stripped(array: pa.Array) -> Any:
    """``STRIPPED`` (first and last character a letter, digit, punctuation or symbol),
    decided from the bytes where the end characters are visible ASCII or CJK
    ideographs, as Chinese names and addresses are; the other cells by the regular
    expression."""
    bounds, text = _utf8(array)
    passing = np.zeros(len(array), dtype=bool)
    filled = np.flatnonzero(bounds[1:] > bounds[:-1])
    if not len(filled):
        return passing
    first, last = bounds[filled], bounds[filled + 1] - 1
    first_ok = _VISIBLE_ASCII[text[first]] | _cjk_at(text, first)
    last_ascii = text[last] < 0x80
    last_ok = np.where(last_ascii, _VISIBLE_ASCII[text[last]], False)
    three_back = np.maximum(last - 2, first)
    last_ok |= ~last_ascii & (last - 2 >= first) & _cjk_at(text, three_back)
    passing[filled] = first_ok & last_ok
    undecided = filled[~(first_ok & last_ok)]
    if len(undecided):
        matched = pc.match_substring_regex(array.take(pa.array(undecided)), STRIPPED)
        passing[undecided] = matched.to_numpy(zero_copy_only=False)
    return passing


def column_checks(column_validators: Sequence[Any]) -> list[Check] | None:
    # NUL is refused in every field (FieldSpec.clean), whatever the column's validators.
    checks: list[Check] = [stripped, no_formula, no_nul]
    for validator in column_validators:
        if isinstance(validator, MaxLengthValidator) and isinstance(validator.limit_value, int):
            checks.append(_length_check(pc.less_equal, validator.limit_value))
        elif isinstance(validator, MinLengthValidator) and isinstance(validator.limit_value, int):
            checks.append(_length_check(pc.greater_equal, validator.limit_value))
        elif isinstance(validator, ProhibitNullCharactersValidator):
            continue  # every column is checked for NUL already
        elif type(validator) is RegexValidator and not validator.inverse_match:
            pattern = str(getattr(validator.regex, "pattern", validator.regex))
            if validator.flags or "(?" in pattern or not _SAFE_REGEX.match(pattern):
                return None
            checks.append(_regex_check(pattern))
        elif validator is validate_industry_code:
            checks.append(_regex_check(INDUSTRY_CODE_RE.pattern))
        elif validator is validate_certificate_no:
            checks.append(_certificates_valid)
        else:
            return None
    return checks


def accepted(raws: Sequence[str], checks: list[Check]) -> Any:
    """A boolean array: which cells pass every check (blank cells pass as they are)."""
    array = pa.array(raws, type=pa.string())
    bounds, _text = _utf8(array)
    passing = np.ones(len(array), dtype=bool)
    for check in checks:
        result = check(array)
        passing &= result if isinstance(result, np.ndarray) else result.to_numpy(False)
    return passing | (bounds[1:] == bounds[:-1])


_ID_WEIGHTS = np.array(validators.RESIDENT_ID_WEIGHTS, dtype=np.int64)
_ID_CHECK = np.frombuffer(validators.RESIDENT_ID_CHECK.encode("ascii"), dtype=np.uint8)
_USCC_ALPHABET = np.frombuffer(validators.USCC_ALPHABET.encode("ascii"), dtype=np.uint8)
_USCC_WEIGHTS = np.array(validators.USCC_WEIGHTS, dtype=np.int64)
_USCC_INDEX = np.zeros(256, dtype=np.int64)
_USCC_INDEX[_USCC_ALPHABET] = np.arange(len(_USCC_ALPHABET))


def _ascii_digits(pattern: str) -> str:
    """The pattern with ``\\d`` as ``0-9`` inside a character class, ``[0-9]`` outside."""
    return re.sub(r"\\d(?=[^\[\]]*\])", "0-9", pattern).replace(r"\d", "[0-9]")


# The validators' patterns with ASCII digits: RE2's ``\d`` is ASCII, Python's wider, and
# these checks only accept (a cell they refuse goes through the validator itself).
_RESIDENT_ID_ASCII = _ascii_digits(validators.RESIDENT_ID_PATTERN)
_USCC_ASCII = _ascii_digits(validators.USCC_PATTERN)


def _certificates_valid(array: pa.Array) -> Any:
    """``validate_certificate_no`` over a column (non-blank cells): a resident ID number
    or a unified social credit code with a correct check character."""
    resident = pc.match_substring_regex(array, _RESIDENT_ID_ASCII).to_numpy(zero_copy_only=False)
    uscc = pc.match_substring_regex(array, _USCC_ASCII).to_numpy(zero_copy_only=False)
    valid = np.zeros(len(array), dtype=bool)
    for mask, check in ((resident, _resident_checked), (uscc, _uscc_checked)):
        if mask.any():
            chosen = array.filter(pa.array(mask))
            codes = np.frombuffer(
                "".join(chosen.to_pylist()).encode("ascii"), dtype=np.uint8
            ).reshape(-1, 18)
            valid[mask] |= check(codes)
    return pa.array(valid)


def _resident_checked(codes: Any) -> Any:
    total = (codes[:, :17].astype(np.int64) - 48) @ _ID_WEIGHTS
    return _ID_CHECK[total % 11] == codes[:, 17]


def _uscc_checked(codes: Any) -> Any:
    total = _USCC_INDEX[codes[:, :17]] @ _USCC_WEIGHTS
    return _USCC_ALPHABET[(31 - total % 31) % 31] == codes[:, 17]
