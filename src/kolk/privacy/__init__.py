"""The privacy core: register, field map, purpose gate, ledger, audit log."""
