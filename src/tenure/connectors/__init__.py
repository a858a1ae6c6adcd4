"""Connectors: the vendor's billing, CRM and helpdesk systems and its CSMs' email, flowing in by themselves.

A connection per source holds its credentials (encrypted at rest), a cursor per object type and a log of runs.
Every record a connector brings lands through the owning room's services, like any other door."""
