"""busplan: school-bus fleet optimizer."""

__version__ = "0.1.0"
