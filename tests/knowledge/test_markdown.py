"""Article bodies: whatever Markdown an author or an import writes, readers get no script, no event handler and
no dangerous link."""

import html
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenure.knowledge.markdown import plain_text, render

FORBIDDEN_TAGS = {"script", "style", "iframe", "object", "embed", "svg", "math", "form", "input", "base", "link",
                  "meta"}


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def problems(rendered: str) -> list[str]:
    parser = Tags()
    parser.feed(rendered)
    found = []
    for tag, attrs in parser.tags:
        if tag in FORBIDDEN_TAGS:
            found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                found.append(f"{tag} {name}=")
            if name in {"href", "src"} and value is not None:
                scheme = html.unescape(value).strip().lower().replace("\t", "").replace("\n", "")
                if scheme.startswith(("javascript:", "data:", "vbscript:")):
                    found.append(f"{tag} {name}={value}")
    return found


HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1) )",
    "[click](java&#x09;script:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
    "[x](data:text/html,<script>alert(1)</script>)",
    "<svg onload=alert(1)><circle/></svg>",
    "<iframe src=https://evil.example></iframe>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<style>body{display:none}</style>",
    "[x](vbscript:msgbox)",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "```html\n<script>alert(1)</script>\n```",
    "<<script>script>alert(1)<</script>/script>",
    "[x](https://ok.example \"t\" onmouseover=alert(1))",
]


@pytest.mark.parametrize("markdown", HOSTILE)
def test_hostile_markdown_renders_harmless(markdown):
    rendered = render(markdown)
    assert problems(rendered) == []
    assert "<script" not in rendered.lower()


def test_markdown_still_renders_what_authors_need():
    rendered = render("# Set up\n\n1. Open **Settings**\n2. Paste `key`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                      "![diagram](/knowledge/attachments/1/diagram.png) [docs](https://docs.example/x)")
    for piece in ("<h1>Set up</h1>", "<ol>", "<strong>Settings</strong>", "<code>key</code>", "<table>",
                  '<img src="/knowledge/attachments/1/diagram.png" alt="diagram">',
                  '<a href="https://docs.example/x" rel="nofollow noopener">docs</a>'):
        assert piece in rendered


def test_plain_text_drops_tags_and_reads_entities():
    assert plain_text(render("# Title\n\nFish &amp; *chips* <b>")) == "Title Fish & chips <b>"


# pieces of hostile markup in any order, between scraps of Markdown punctuation
markdownish = st.text(alphabet=st.sampled_from(list("<>/=\"' ()[]!:&#;*`\n-|ajvscriptonerloadhfdtgm0123456789.")),
                      max_size=30) | st.sampled_from(["<script", "javascript:", "onerror=", "data:", "<svg",
                                                      "<img src=x ", "](", "![", "&#x6a;", "\t", "<a href=",
                                                      "style=", "<iframe", "<", ">"])


@settings(max_examples=300, deadline=None)
@given(st.lists(markdownish, max_size=12).map("".join))
def test_any_input_renders_without_script_handlers_or_dangerous_links(markdown):
    assert problems(render(markdown)) == []


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_renders_without_script_handlers_or_dangerous_links(markdown):
    rendered = render(markdown)
    assert problems(rendered) == []
    assert "<script" not in rendered.lower()
