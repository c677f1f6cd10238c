"""Staff pages: the desk (balie), box office and privacy office."""
