"""Email addresses and phone numbers as payloads carry them: the one definition of a valid one.

These values go to Gong as they are, and for erasures they decide whose data is deleted, so a
value that is not what a person typed is refused, never cleaned up:

- NUL, control characters (``Cc``) and invisible format characters (``Cf``: zero-width spaces,
  joiners, bidi overrides, the BOM) cannot be seen in a terminal or a ticket, so an address that
  holds one is not the address anyone asked about. Gong may match it against nobody (an
  erasure that silently erases nothing) or, if something on the way cuts it at a NUL, against
  somebody else.
- U+FFFD is what a lossy decode leaves where a byte could not be read: the real character is
  lost, so the value is unknowable.
- Lone surrogates, private-use and unassigned code points, and line/paragraph separators are
  never part of a real address or number either.
- Surrounding spaces are the one harmless kind of noise (copied from a spreadsheet cell) and are
  trimmed, as they always were; any other surrounding whitespace (a no-break space, an
  ideographic space) is refused, because what looks like trimming there hides a different value.

:data:`Email` and :data:`Phone` are the annotated types payload models use; the erasure-list
reader calls :func:`refuse_unreadable` itself on the raw value before it normalizes a phone
number, so separators it removes cannot hide a control character either.
"""

from __future__ import annotations

import re
import string
import unicodedata
from typing import Annotated

from pydantic import AfterValidator

#: Unicode categories no address or phone number contains, with how an error names them.
FORBIDDEN_CATEGORIES = {
    "Cc": "a control character",
    "Cf": "an invisible format character",
    "Cs": "a lone surrogate",
    "Co": "a private-use character",
    "Cn": "an unassigned code point",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
}
#: ASCII characters of an unquoted local part (RFC 5322 ``atext``) and of a host name label.
LOCAL_PART_ASCII = frozenset(string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-")
LABEL_ASCII = frozenset(string.ascii_letters + string.digits + "-")
MAX_EMAIL_LENGTH = 254  # RFC 5321's path limit minus the angle brackets
MAX_LOCAL_PART_LENGTH = 64
MAX_DOMAIN_LENGTH = 253
MAX_LABEL_LENGTH = 63
#: E.164: ``+``, a country code that does not start with 0, 7 to 15 digits in all (ASCII only:
#: ``\d`` would also take Arabic-Indic or full-width digits, which Gong matches against nothing).
E164_PATTERN = re.compile(r"\+[1-9][0-9]{6,14}")
#: What people write between the digits of a phone number; removed before the E.164 check.
PHONE_SEPARATORS = re.compile(r"[\s().-]")


#: The only ASCII characters :func:`unreadable_character` refuses (the C0 controls and DEL):
#: an ASCII value without them needs no per-character look-up (100,000-row lists are ASCII).
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def unreadable_character(value: str) -> str | None:
    """Why ``value`` cannot be a typed identifier because of one character (the first one found,
    named by code point and 1-based position, never by the value); ``None`` when there is none."""
    if value.isascii() and _ASCII_CONTROL.search(value) is None:
        return None
    for position, char in enumerate(value, start=1):
        if char == "\x00":
            return f"contains a NUL character (U+0000) at position {position}"
        if char == "\ufffd":
            return (
                f"contains U+FFFD at position {position}, the replacement character a lossy decode "
                "leaves where a byte could not be read"
            )
        kind = FORBIDDEN_CATEGORIES.get(unicodedata.category(char))
        if kind is not None:
            return f"contains {kind} (U+{ord(char):04X}) at position {position}"
    return None


def refuse_unreadable(value: str, what: str) -> str:
    """``value`` with surrounding spaces trimmed; ValueError naming ``what`` ("email address")
    if any character is unreadable (see the module docstring) or other whitespace surrounds it."""
    reason = unreadable_character(value)
    if reason is not None:
        raise ValueError(f"{what} {reason}")
    trimmed = value.strip(" ")
    if trimmed != trimmed.strip():
        edge = trimmed[0] if trimmed[0].isspace() else trimmed[-1]
        raise ValueError(f"{what} has whitespace other than spaces around it (U+{ord(edge):04X})")
    return trimmed


def _non_ascii_word(char: str) -> bool:
    """Internationalized addresses (RFC 6531/IDNA) may use letters, marks and digits of any script."""
    return not char.isascii() and unicodedata.category(char)[0] in "LMN"


def _local_part_char(char: str) -> bool:
    return char in LOCAL_PART_ASCII or _non_ascii_word(char)


def _label_char(char: str) -> bool:
    return char in LABEL_ASCII or _non_ascii_word(char)


def _valid_email_syntax(email: str) -> bool:
    """A dot-atom local part (no quoted forms) ``@`` a host name with a top-level domain.

    Quoted local parts and IP-literal domains are valid RFC 5322 but are not addresses Gong
    holds for people; refusing them keeps ``"a@b"@x.example`` from meaning two things.
    """
    local, at, domain = email.rpartition("@")
    if not at or not local or len(email) > MAX_EMAIL_LENGTH or len(local) > MAX_LOCAL_PART_LENGTH:
        return False
    atoms = local.split(".")
    if not all(atoms) or not all(_local_part_char(c) for atom in atoms for c in set(atom)):
        return False
    labels = domain.split(".")
    if len(domain) > MAX_DOMAIN_LENGTH or len(labels) < 2:
        return False
    for label in labels:
        if not 0 < len(label) <= MAX_LABEL_LENGTH or label[0] == "-" or label[-1] == "-":
            return False
        if not all(_label_char(c) for c in set(label)):
            return False
    tld = labels[-1]  # ASCII (IDN top-level domains in their xn-- form), never all digits
    return len(tld) >= 2 and tld.isascii() and any(c.isalpha() for c in tld)


def email_address(value: str) -> str:
    """An email address trimmed of surrounding spaces and lower-cased; ValueError otherwise."""
    email = refuse_unreadable(value, "email address").lower()
    if not _valid_email_syntax(email):
        raise ValueError(f"not an email address: {value!r}")
    return email


def phone_number(value: str) -> str:
    """A phone number in E.164 form (separators removed); ValueError for anything else."""
    digits = PHONE_SEPARATORS.sub("", refuse_unreadable(value, "phone number"))
    if not E164_PATTERN.fullmatch(digits):
        raise ValueError(f"not an E.164 phone number (+ and 7-15 digits): {value!r}")
    return digits


#: An email address, trimmed and lower-cased; invalid or unreadable ones fail validation.
Email = Annotated[str, AfterValidator(email_address)]
#: A phone number in E.164 form (separators removed); anything else fails validation.
Phone = Annotated[str, AfterValidator(phone_number)]
