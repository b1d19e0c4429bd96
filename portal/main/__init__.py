"""Start page, health check and site-wide pages."""
