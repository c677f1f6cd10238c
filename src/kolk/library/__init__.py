"""The library: subscriptions and fees, school subscriptions, catalogue, loans, reservations."""
