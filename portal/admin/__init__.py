"""Administration pages: users and roles, organisation, audit log."""
