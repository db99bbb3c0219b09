"""The server-drawn bar charts of the assessment page and the report."""

import re
from xml.etree import ElementTree

from checklists.charts import BAR_WIDTH, bar_chart, chart_svg

SVG = "{http://www.w3.org/2000/svg}"


def parse(html: str) -> ElementTree.Element:
    """The chart's markup as XML: it must be well-formed to be drawn at all."""
    return ElementTree.fromstring(html)  # noqa: S314 - markup the app just drew


def test_bars_are_as_long_as_their_score_and_unscored_rows_say_so():
    chart = bar_chart([("A", 50.0, ""), ("B", None, ""), ("C", 130.0, ""), ("D", -5.0, "")])
    assert [bar.width for bar in chart.bars] == [BAR_WIDTH / 2, 0, BAR_WIDTH, 0]
    assert [bar.value_text for bar in chart.bars] == ["50%", "n/a", "130%", "-5%"]
    # Rows never overlap.
    ys = [bar.y for bar in chart.bars]
    assert ys == sorted(set(ys))


def test_svg_reads_every_value_out_and_draws_a_bar_per_row():
    chart = bar_chart([("1. Purpose", 60.0, ""), ("2. Local context", None, "")])
    root = parse(chart_svg(chart, "Score by section", "sections"))
    svg = root.find(f"{SVG}svg")
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "sections-title sections-desc"
    assert svg.find(f"{SVG}title").text == "Score by section"
    assert svg.find(f"{SVG}desc").text == "1. Purpose: 60%; 2. Local context: n/a"
    groups = svg.findall(f"{SVG}g")
    assert len(groups) == 2
    filled = [float(g.findall(f"{SVG}rect")[1].get("width")) for g in groups]
    assert filled == [BAR_WIDTH * 0.6, 0]


def test_threshold_marks_are_labelled_and_drawn_across_every_bar():
    chart = bar_chart(
        [("A", 10.0, ""), ("B", 90.0, "")], thresholds=[(50.0, "Ready with conditions 50%")]
    )
    svg = parse(chart_svg(chart, "t", "c")).find(f"{SVG}svg")
    assert svg.find(f"{SVG}text").text == "Ready with conditions 50%"
    for group in svg.findall(f"{SVG}g"):
        (line,) = group.findall(f"{SVG}line")
        assert float(line.get("x1")) == BAR_WIDTH * 0.5


def test_text_from_checklists_and_people_is_escaped():
    hostile = '<script>alert("x")</script> & "quotes"'
    chart = bar_chart([(hostile, 50.0, '/s/?a=1&b="2"')], thresholds=[(50.0, hostile)])
    html = chart_svg(chart, hostile, "c")
    assert "<script>" not in html
    root = parse(html)  # would fail on an unescaped & or <
    assert root.get("aria-label") == hostile
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert hostile in texts
    link = root.find(f".//{SVG}a")
    assert link.get("href") == '/s/?a=1&b="2"'


def test_long_labels_are_shortened_but_read_out_whole():
    label = "A section title " * 10
    chart = bar_chart([(label, 50.0, "")])
    root = parse(chart_svg(chart, "t", "c"))
    shown = next(t.text for t in root.iter(f"{SVG}text") if t.text.startswith("A section"))
    assert len(shown) == 80
    assert shown.endswith("…")
    assert label in root.find(f".//{SVG}desc").text
    assert re.search(r'viewBox="0 -20 640 \d+"', str(chart_svg(chart, "t", "c")))
