from django.apps import AppConfig


class SystemsConfig(AppConfig):
    """Library systems and the co-ops they form: its own app, below accounts, because a System
    and a Coop own objects of many apps (operators, departments, widgets, FAQs, canned replies,
    internal rooms, reports), so each of those may point at it without pointing sideways."""

    name = "systems"
