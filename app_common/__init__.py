"""The app's session glue and shared widgets, used by the page scripts in ``app_pages/``."""
