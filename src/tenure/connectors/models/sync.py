"""Connections to source systems: credentials, cursors, runs, the webhook inbox and the links to records."""
