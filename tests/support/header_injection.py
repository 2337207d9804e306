"""The characters a header injection tries, and their encoded-word disguise, shared by the app and relay tests."""

from __future__ import annotations

# Each character, and the words an error uses for it.
CHARACTERS = {
    'CR': ('\r', 'a line break (CR)'),
    'LF': ('\n', 'a line break (LF)'),
    'NUL': ('\x00', 'a NUL character'),
    'U+2028': ('\u2028', 'a line break (LINE SEPARATOR, U+2028)'),
    'U+0085': ('\x85', 'a line break (NEL, U+0085)'),
}


def encoded_word(text: str) -> str:
    """The text as one RFC 2047 encoded word, every byte escaped: `=?utf-8?q?=45=76…?=`."""
    return '=?utf-8?q?' + ''.join(f'={byte:02X}' for byte in text.encode()) + '?='
