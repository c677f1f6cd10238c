"""The public website and the member portal."""
