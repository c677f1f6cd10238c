"""Billing: bank accounts and SEPA mandates, invoices, payments, SEPA files (L05, T04)."""
