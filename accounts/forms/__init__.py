"""Forms of the accounts app, one module per chapter of the manual."""
