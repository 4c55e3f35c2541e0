"""srcquiz: drill how real software works inside."""

__version__ = "0.1.0"
