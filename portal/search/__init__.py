"""Search: Swedish analysis, synonyms and the Whoosh index the portal searches."""
