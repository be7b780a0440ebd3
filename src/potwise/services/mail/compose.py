"""Mail bodies from Jinja templates: `<name>.txt` (the first line is the subject)
and `<name>.html` (within `layout.html`), both from the same context."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Composed:
    subject: str
    text: str
    html: str


@cache
def _html_env() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
    )


@cache
def _text_env() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=False,  # noqa: S701 - plain-text mail, never shown as HTML
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def compose(name: str, **context: Any) -> Composed:
    """Render template `name` with `context`; the text's first line is the subject."""
    text = _text_env().get_template(f"{name}.txt").render(**context)
    subject, _, body = text.partition("\n")
    subject = subject.removeprefix("Subject:").strip()
    html = _html_env().get_template(f"{name}.html").render(subject=subject, **context)
    return Composed(subject=subject, text=body.lstrip("\n"), html=html)
