"""api.cli.progress: a bar on a terminal, plain lines otherwise; the long commands use it."""
import io
import re

from api.cli import progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_without_a_terminal_it_writes_a_plain_line_every_tenth_and_at_the_end():
    out = io.StringIO()

    items = list(progress(range(20), "organisations", file=out))

    assert items == list(range(20))
    assert out.getvalue().splitlines() == [f"organisations: {n}/20" for n in range(2, 20, 2)] + ["organisations: 20/20, done"]


def test_without_a_total_it_counts_what_it_did():
    out = io.StringIO()

    list(progress(iter(range(5)), "tables", file=out))

    assert out.getvalue().splitlines() == ["tables: 5, done"]


def test_on_a_terminal_it_draws_a_bar():
    out = Terminal()

    items = list(progress(range(20), "organisations", file=out))

    assert items == list(range(20))
    assert "\r" in out.getvalue()
    assert re.search(r"organisations\s+\[#+\]\s+100%", out.getvalue())
    assert "20/20, done" not in out.getvalue()


def test_load_demo_reports_its_progress_outside_its_result(runner):
    result = runner.invoke(args=["load-demo"])

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Loaded ")
    assert re.search(r"^organisations: (\d+)/\1, done$", result.stderr, re.MULTILINE)
