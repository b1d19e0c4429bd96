"""Accounts, login, roles and grants."""
