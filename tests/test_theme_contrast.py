"""The default theme's colours and type: WCAG AA contrast for every text colour on every
background it is set on, body text of at least 18 px, line height 1.5-1.7, a 60-75 character measure.

Read from the CSS custom properties of themes/default/assets/style.css.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nsnbuild.theme import default_theme_dir

STYLE = default_theme_dir() / "assets" / "style.css"
ROOT_PX = 16

# (text colour, background) for every place the theme sets text on a background. Text on the
# page is on --paper; code, the BibTeX block and a targeted note sit on --panel; the skip link
# is --paper on --ink. A new colour used for text or background must be added here.
TEXT_PAIRS = [
    (fg, bg)
    for bg in ("--paper", "--panel")
    for fg in ("--ink", "--muted", "--accent", "--link", "--link-visited")
] + [("--paper", "--ink")]
# Non-text contrast (WCAG 1.4.11): the focus ring against the page, at least 3:1.
UI_PAIRS = [("--focus", "--paper"), ("--focus", "--panel")]


def css_text(path: Path = STYLE) -> str:
    return re.sub(r"/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.S)


def blocks(css: str) -> list[tuple[str, str]]:
    """(selector, declarations) of every rule, media queries flattened."""
    return [(m.group(1).strip(), m.group(2)) for m in re.finditer(r"([^{}]+)\{([^{}]*)\}", css)]


def root_properties(css: str) -> dict[str, str]:
    """The custom properties set in the first `:root` rule (the defaults)."""
    for selector, body in blocks(css):
        if selector == ":root":
            return {m.group(1): m.group(2).strip() for m in re.finditer(r"(--[\w-]+)\s*:\s*([^;]+);", body)}
    raise AssertionError("no :root rule")


def rgb(value: str) -> tuple[float, float, float]:
    match = re.fullmatch(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})", value.strip())
    assert match, f"not a hex colour: {value!r}"
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    r, g, b = (int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return r, g, b


def luminance(value: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb(value))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_matches_known_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize(("fg", "bg"), TEXT_PAIRS)
def test_text_contrast_is_at_least_aa(fg: str, bg: str) -> None:
    props = root_properties(css_text())
    ratio = contrast(props[fg], props[bg])
    assert ratio >= 4.5, f"{fg} {props[fg]} on {bg} {props[bg]}: {ratio:.2f}:1"


@pytest.mark.parametrize(("fg", "bg"), UI_PAIRS)
def test_focus_ring_contrast(fg: str, bg: str) -> None:
    props = root_properties(css_text())
    assert contrast(props[fg], props[bg]) >= 3.0


def test_every_colour_used_for_text_or_background_is_checked() -> None:
    """No rule may colour text, or fill a background, with a colour the pairs above leave out."""
    css = css_text()
    text_colours: set[str] = set()
    backgrounds: set[str] = set()
    for _, body in blocks(css):
        for prop, value in re.findall(r"(?<![\w-])(color|background(?:-color)?)\s*:\s*([^;]+)", body):
            if prop == "color":
                text_colours.update(re.findall(r"var\((--[\w-]+)\)", value))
                assert "#" not in value and "rgb" not in value, (
                    f"literal text colour {value!r}: use a property"
                )
            else:
                backgrounds.update(re.findall(r"var\((--[\w-]+)\)", value))
                assert "#" not in value and "rgb" not in value, (
                    f"literal background {value!r}: use a property"
                )
    assert text_colours <= {fg for fg, _ in TEXT_PAIRS}, text_colours - {fg for fg, _ in TEXT_PAIRS}
    assert backgrounds <= {bg for _, bg in TEXT_PAIRS}, backgrounds - {bg for _, bg in TEXT_PAIRS}


def length_px(value: str, props: dict[str, str]) -> float:
    value = value.strip()
    var = re.fullmatch(r"var\((--[\w-]+)\)", value)
    if var:
        return length_px(props[var.group(1)], props)
    match = re.fullmatch(r"([\d.]+)(px|rem)", value)
    assert match, f"not a px or rem length: {value!r}"
    number = float(match.group(1))
    return number if match.group(2) == "px" else number * ROOT_PX


def body_rule(css: str) -> str:
    for selector, body in blocks(css):
        if selector == "body":
            return body
    raise AssertionError("no body rule")


def declaration(body: str, prop: str) -> str:
    match = re.search(rf"(?<![\w-]){re.escape(prop)}\s*:\s*([^;]+);", body)
    assert match, f"no {prop}"
    return match.group(1).strip()


def test_body_text_is_at_least_18px_everywhere() -> None:
    css = css_text()
    props = root_properties(css)
    assert length_px(declaration(body_rule(css), "font-size"), props) >= 18
    # every override of the body size (in media queries) keeps it at 18 px or more
    overrides = re.findall(r"--body-size\s*:\s*([^;]+);", css)
    assert overrides, "the body size should be a custom property"
    for value in overrides:
        assert length_px(value, props) >= 18, value


def test_line_height_is_between_1_5_and_1_7() -> None:
    css = css_text()
    props = root_properties(css)
    value = declaration(body_rule(css), "line-height")
    var = re.fullmatch(r"var\((--[\w-]+)\)", value)
    number = float(props[var.group(1)] if var else value)
    assert 1.5 <= number <= 1.7
    for override in re.findall(r"--leading\s*:\s*([^;]+);", css):
        assert 1.5 <= float(override) <= 1.7


def test_the_measure_is_60_to_75_characters_and_bounds_the_text() -> None:
    css = css_text()
    props = root_properties(css)
    match = re.fullmatch(r"([\d.]+)ch", props["--measure"])
    assert match, props["--measure"]
    assert 60 <= float(match.group(1)) <= 75
    for override in re.findall(r"--measure\s*:\s*([^;]+);", css):
        number = re.fullmatch(r"([\d.]+)ch", override.strip())
        assert number and 60 <= float(number.group(1)) <= 75, override
    # the brief's column is bounded by the measure
    bounded = [sel for sel, body in blocks(css) if re.search(r"max-width\s*:\s*var\(--measure\)", body)]
    assert any(".brief" in [part.strip() for part in sel.split(",")] for sel in bounded), bounded
