"""axe-core in the browser tests: a page (or the widget's frame) in a state a person meets must
break no WCAG 2.2 A/AA rule, nor axe's best practices.

axe is evaluated through the DevTools protocol, which the pages' Content-Security-Policy does not
govern, so the pages are checked under their real policy. A violation fails the test with the
rule, its help text and the elements it found, e.g. `color-contrast: Elements must meet minimum
color contrast ratio thresholds — #send-button`.
"""

from functools import cache
from pathlib import Path

from playwright.sync_api import Frame, Page

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@cache
def _axe_source() -> str:
    return AXE.read_text()


def axe_violations(target: Page | Frame, *, exclude: tuple[str, ...] = ()) -> list[str]:
    """One line per violated rule of the page or frame as it is now."""
    if not target.evaluate("() => typeof window.axe === 'object'"):
        target.evaluate(_axe_source())
    violations = target.evaluate(
        """async ([tags, exclude]) => {
          const result = await axe.run(
            {include: [document], exclude: exclude.map((selector) => [selector])},
            {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
             iframes: false},
          );
          return result.violations.map((v) => ({
            id: v.id, help: v.help,
            nodes: v.nodes.map((n) => n.target.join(" ") + ": " + n.failureSummary.split("\\n")
              .slice(1).join(" ").trim()),
          }));
        }""",
        [TAGS, list(exclude)],
    )
    return [f"{v['id']}: {v['help']} — " + " | ".join(v["nodes"]) for v in violations]


def assert_accessible(target: Page | Frame, state: str, **options) -> None:
    violations = axe_violations(target, **options)
    assert not violations, f"axe, {state}:\n" + "\n".join(violations)
