"""A student's notebook rendered as HTML for people (feedback, the formgrader's views) carries no active content.

nbconvert's own switch, `HTMLExporter.sanitize_html` (set in nbgrader_config.py), runs text/html and text/markdown
outputs through its bleach sanitizer and drops JavaScript and widget outputs. Two holes stay open in nbconvert 7.17
with nbgrader 0.9.6's templates, and this module closes them:

- nbgrader's `feedback` and `formgrade` templates render a markdown cell (a written answer, a student's own cell)
  with `markdown2html` and never sanitize it: raw `<img src=x onerror=...>` and `[link](javascript:...)` come out
  active. `markdown2html` below is nbconvert's (HTMLExporter.markdown2html) with mistune's own protections on: raw
  HTML is shown as text, and links and images with a harmful protocol (javascript:, vbscript:, file:, data: other
  than images) point nowhere.
- nbconvert's templates write an image output's `width` and `height` metadata (read with the `get_metadata`
  filter) into an unquoted attribute, so `{"width": "1 onerror=alert(1)"}` adds an event handler. `get_metadata`
  below is nbconvert's, but for a width or height that is not a number, which it does not return.

Both replace nbconvert's filters of the same name (`HTMLExporter.filters` in nbgrader_config.py), for every HTML
export of the course: `nbgrader generate_feedback` and the formgrader.

nbconvert's SanitizeHTML preprocessor is not used: it bleaches a markdown cell's source before markdown is rendered,
so `a -> b` in the course's own code spans would read `a -&gt; b`.
"""
from __future__ import annotations

from jinja2 import pass_context
from nbconvert.filters import get_metadata as stock_get_metadata
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

SIZES = ("width", "height")


@pass_context
def markdown2html(context, source: str) -> str:
    """Markdown as HTML, with nothing of the source active: nbconvert 7.17's HTMLExporter.markdown2html (the cell's
    attachments and the notebook's path from the template's context) with mistune's escape and harmful-protocol check
    on. The exporter's own markdown options (embed_images, anchor_link_text, exclude_anchor_links) are not read: the
    course sets none."""
    cell = context.get("cell", {})
    path = context.get("resources", {}).get("metadata", {}).get("path", "")
    renderer = IPythonRenderer(escape=True, allow_harmful_protocols=False, attachments=cell.get("attachments", {}),
                               path=path)
    return MarkdownWithMath(renderer=renderer).render(source)


def get_metadata(output, key: str, mimetype: str | None = None):
    """An output's metadata `key` (nbconvert's get_metadata); None for a width or height that is not a number."""
    value = stock_get_metadata(output, key, mimetype)
    if key in SIZES and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return None
    return value
