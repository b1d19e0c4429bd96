"""Adoption (införande): unit checklists, confirmations bound to versions, dashboards and exports."""
