"""The python-liquid environments core.templates renders with: strict, sandboxed, and one that escapes for Markdown.

A module of its own because python-liquid takes about half a second to import: core.templates imports this only when
a template is first rendered or checked, so the app starts without it. Each environment is built once, on first use.
"""

from __future__ import annotations

import functools
import re
from typing import ClassVar, TextIO

from liquid import Environment, StrictUndefined
from liquid.ast import Node
from liquid.builtin.output import Output, OutputNode
from liquid.context import RenderContext
from liquid.exceptions import LiquidSyntaxError
from liquid.stream import TokenStream
from liquid.stringify import to_liquid_string
from liquid.tag import Tag

from core.i18n import _

_MARKDOWN_SPECIAL = re.compile(r'([\\`*_{}\[\]()<>#+\-.!|~&"\'$:;=?@^%,/])')


def escape_markdown(text: str) -> str:
    """Backslash-escape every punctuation mark so a customer's text prints literally (CommonMark allows any)."""
    return _MARKDOWN_SPECIAL.sub(r'\\\1', text)


@functools.cache
def plain_environment() -> Environment:
    """Values printed as they are: for the subject and the plain-text body, and for checking a template."""
    return _PlainEnvironment()


@functools.cache
def markdown_environment() -> Environment:
    """Values printed Markdown-escaped: for the body that becomes HTML."""
    return _MarkdownEnvironment()


class _PlainEnvironment(Environment):
    """Strict (a typo is an error, not a blank), without file access, and bounded in work and output."""

    loop_iteration_limit: ClassVar[int | None] = 1_000
    output_stream_limit: ClassVar[int | None] = 200_000
    local_namespace_limit: ClassVar[int | None] = 10_000

    def __init__(self) -> None:
        super().__init__(undefined=StrictUndefined)

    def setup_tags_and_filters(self, *, extra: bool = False) -> None:
        super().setup_tags_and_filters(extra=extra)
        self.add_tag(_RefusedInclude)
        self.add_tag(_RefusedRender)


class IncludeRefusedError(LiquidSyntaxError):
    """An email template is one text: there are no other templates or files for it to pull in."""


class _RefusedInclude(Tag):
    """Refused while parsing, so saving and the preview say so before any email is rendered."""

    name = 'include'
    block = False

    def parse(self, stream: TokenStream) -> Node:
        raise IncludeRefusedError(
            _(
                'a template cannot include other files or templates: remove {tag} and write the text here instead.'
            ).format(tag=f'{{% {self.name} … %}}'),
            token=stream.current,
        )


class _RefusedRender(_RefusedInclude):
    name = 'render'


class _MarkdownOutputNode(OutputNode):
    """Writes each value Markdown-escaped, so `*bold*` or `<b>` in a customer's name arrives as typed."""

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        return buffer.write(escape_markdown(to_liquid_string(self.expression.evaluate(context), False)))


class _MarkdownOutput(Output):
    node_class = _MarkdownOutputNode


class _MarkdownEnvironment(_PlainEnvironment):
    def setup_tags_and_filters(self, *, extra: bool = False) -> None:
        super().setup_tags_and_filters(extra=extra)
        self.add_tag(_MarkdownOutput)
