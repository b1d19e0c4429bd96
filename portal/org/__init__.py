"""Departments (förvaltningar) and units (enheter)."""
