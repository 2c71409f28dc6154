"""One blueprint per kind of endpoint."""
