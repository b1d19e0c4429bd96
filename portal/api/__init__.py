"""Read-only JSON API (/api/v1) with personal API tokens and an OpenAPI description."""
