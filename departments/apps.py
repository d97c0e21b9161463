from django.apps import AppConfig


class DepartmentsConfig(AppConfig):
    """Departments, who belongs to them and who monitors them."""

    name = "departments"
