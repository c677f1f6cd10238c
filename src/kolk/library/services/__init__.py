"""Writes of the library, one module per business process."""
