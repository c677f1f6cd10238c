"""The shared kernel: clock, errors, roles, checks and the demo seeding frame."""
