"""Article bodies: Markdown rendered by markdown-it-py, then sanitised by nh3 (the Ammonia sanitiser), so whatever
an author (or an import) writes, a reader's browser gets no script, no event handler and no dangerous link."""

import html
import re

import nh3
from markdown_it import MarkdownIt

# Raw HTML in the Markdown is shown as text, not passed on: authors write Markdown; the sanitiser is the second wall.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"])

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "kbd", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align", "style"},  # markdown-it aligns table cells with style="text-align:…"
    "td": {"align", "style"},
    "ol": {"start"},
    "code": {"class"},
}
URL_SCHEMES = {"http", "https", "mailto"}
_STYLE = {"text-align"}


def render(markdown: str) -> str:
    """The body as HTML a page can show as it is."""
    return sanitise(_md.render(markdown or ""))


def sanitise(fragment: str) -> str:
    return nh3.clean(fragment, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="nofollow noopener", filter_style_properties=_STYLE, strip_comments=True)


_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
# The search marks a snippet's matches with these two private-use characters before escaping it: a body never has them.
MARK_START, MARK_END = "\ue000", "\ue001"
_MARKERS = {ord(MARK_START): None, ord(MARK_END): None}


def plain_text(rendered_html: str) -> str:
    """The words of a rendered body, for search and snippets: tags dropped, entities read, space collapsed."""
    text = html.unescape(_TAG.sub(" ", rendered_html)).translate(_MARKERS)
    return _SPACE.sub(" ", text).strip()
