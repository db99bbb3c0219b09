"""The server-drawn bar charts of the assessment page and the report."""

from xml.etree import ElementTree

from checklists.charts import bar_chart, chart_html

SVG = "{http://www.w3.org/2000/svg}"


def parse(html: str) -> ElementTree.Element:
    """The chart's markup as XML: it must be well-formed to be drawn at all."""
    return ElementTree.fromstring(f"<div>{html}</div>")  # noqa: S314 - markup the app just drew


def rows(root: ElementTree.Element) -> list[ElementTree.Element]:
    return root.findall("./ul/li")


def test_bars_are_as_long_as_their_score_and_unscored_rows_say_so():
    chart = bar_chart([("A", 50.0, ""), ("B", None, ""), ("C", 130.0, ""), ("D", -5.0, "")])
    assert [bar.width for bar in chart.bars] == [50, 0, 100, 0]
    assert [bar.value_text for bar in chart.bars] == ["50%", "n/a", "130%", "-5%"]


def test_each_row_reads_its_label_and_value_as_text_and_draws_its_bar():
    chart = bar_chart([("1. Purpose", 60.0, ""), ("2. Local context", None, "")])
    root = parse(chart_html(chart, "Score by section", "sections"))
    chart_list = root.find("ul")
    assert chart_list.get("aria-label") == "Score by section"
    assert chart_list.get("id") == "sections"
    texts = ["".join(row.itertext()).strip() for row in rows(root)]
    assert texts == ["1. Purpose 60%", "2. Local context n/a"]
    filled = []
    for row in rows(root):
        svg = row.find(f"{SVG}svg")
        assert svg.get("aria-hidden") == "true"
        assert svg.find(f"{SVG}text") is None  # no text inside the drawing
        filled.append(float(svg.findall(f"{SVG}rect")[1].get("width")))
    assert filled == [60, 0]


def test_threshold_marks_are_drawn_across_every_bar_and_named_in_the_legend():
    chart = bar_chart(
        [("A", 10.0, ""), ("B", 90.0, "")], thresholds=[(50.0, "Ready with conditions 50%")]
    )
    root = parse(chart_html(chart, "t", "c"))
    for row in rows(root):
        (line,) = row.findall(f"{SVG}svg/{SVG}line")
        assert float(line.get("x1")) == 50
    legend = "".join(root.find("p").itertext())
    assert "Ready with conditions 50%" in legend


def test_a_chart_without_thresholds_has_no_legend():
    root = parse(chart_html(bar_chart([("A", 10.0, "")]), "t", "c"))
    assert root.find("p") is None
    assert root.find(f"ul/li/{SVG}svg/{SVG}line") is None


def test_text_from_checklists_and_people_is_escaped():
    hostile = '<script>alert("x")</script> & "quotes"'
    chart = bar_chart([(hostile, 50.0, '/s/?a=1&b="2"')], thresholds=[(50.0, hostile)])
    html = chart_html(chart, hostile, "c")
    assert "<script>" not in html
    root = parse(html)  # would fail on an unescaped & or <
    assert root.find("ul").get("aria-label") == hostile
    link = root.find("ul/li/span/a")
    assert link.text == hostile
    assert link.get("href") == '/s/?a=1&b="2"'
    assert hostile in "".join(root.find("p").itertext())


def test_long_labels_are_kept_whole_to_wrap():
    label = "A section title " * 10
    root = parse(chart_html(bar_chart([(label, 50.0, "")]), "t", "c"))
    assert root.find("ul/li/span").text == label
