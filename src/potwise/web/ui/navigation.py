"""The site's navigation: five sections, each with the pages inside it.

The header shows the sections (a tab bar at the foot of the screen on a phone) and,
under them, the pages of the section the current page belongs to. A page names itself
with the `active` key it passes to `render`; the addresses are the public ones and do
not change with the grouping. A new page belongs in one section's `pages`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavPage:
    key: str  # the `active` key the page renders with
    name: str
    href: str


@dataclass(frozen=True)
class Section:
    key: str
    name: str
    pages: tuple[NavPage, ...]

    @property
    def href(self) -> str:
        """A section opens on its first page."""
        return self.pages[0].href

    @property
    def has_subnav(self) -> bool:
        return len(self.pages) > 1

    def holds(self, active: str | None) -> bool:
        return any(page.key == active for page in self.pages)


SECTIONS: tuple[Section, ...] = (
    Section("home", "Home", (NavPage("dashboard", "Dashboard", "/"),)),
    Section(
        "money",
        "Money",
        (
            NavPage("accounts", "Accounts", "/accounts"),
            NavPage("transactions", "Transactions", "/transactions"),
            NavPage("transfers", "Transfers", "/transfers"),
            NavPage("connections", "Connections", "/connections"),
        ),
    ),
    Section("rules", "Rules", (NavPage("automations", "Automations", "/automations"),)),
    Section(
        "plan",
        "Plan",
        (
            NavPage("spending", "Spending", "/spending"),
            NavPage("budgets", "Budgets", "/budgets"),
            NavPage("forecast", "Forecast", "/forecast"),
            NavPage("commitments", "Bills", "/commitments"),
            NavPage("planned", "Planned", "/planned"),
            NavPage("categories", "Categories", "/categories"),
        ),
    ),
    Section(
        "settings",
        "Settings",
        (
            NavPage("settings", "Settings", "/settings"),
            NavPage("notifications", "Notifications", "/settings/notifications"),
        ),
    ),
)


def section_of(active: str | None) -> Section | None:
    """The section holding the page rendered with `active`, if any."""
    return next((section for section in SECTIONS if section.holds(active)), None)
