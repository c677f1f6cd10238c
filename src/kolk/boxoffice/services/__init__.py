"""Writes of the box office, one module per business process: programme, selling, payments, check-in."""
