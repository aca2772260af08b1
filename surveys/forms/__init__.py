"""Forms of the surveys app."""
