"""The OpenAPI 3.0 description of /api/v1, served at /api/v1/openapi.json."""

ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["status", "title", "message"],
    "properties": {"status": {"type": "integer"}, "title": {"type": "string"}, "message": {"type": "string"}}}}}
MOVED = {"type": "object", "required": ["moved"], "properties": {"moved": {
    "type": "object", "required": ["slug", "location", "message"],
    "properties": {"slug": {"type": "string"}, "location": {"type": "string"}, "message": {"type": "string"}}}}}
NULLABLE_STRING = {"type": "string", "nullable": True}
DOCUMENT = {"type": "object", "required": ["slug", "title", "kind", "department", "version", "url"], "properties": {
    "slug": {"type": "string"}, "title": {"type": "string"},
    "kind": {"type": "string", "enum": ["section", "routine", "agreement"]},
    "department": {"type": "string"}, "parent": NULLABLE_STRING, "version": {"type": "integer", "nullable": True},
    "published_at": NULLABLE_STRING, "url": {"type": "string"}}}
REVISION = {"type": "object", "required": ["version", "title", "published"], "properties": {
    "version": {"type": "integer"}, "title": {"type": "string"}, "published": {"type": "boolean"},
    "published_at": NULLABLE_STRING, "created_at": {"type": "string"}, "author": {"type": "string"},
    "change_note": NULLABLE_STRING, "change_kind": {"type": "string", "nullable": True, "enum": ["minor", "substantial", None]},
    "metadata": {"type": "object"},
    "markdown": {"type": "string", "description": "The version's Markdown. Notes to the editors (quotes "
                 "beginning '**Kontrollera (redaktör):**') only for those who may edit the document"},
    "html": {"type": "string"}}}
ADOPTION = {"type": "object", "required": ["routine", "unit_id", "status"], "properties": {
    "routine": {"type": "string"}, "routine_title": {"type": "string"}, "current_version": {"type": "integer"},
    "department": {"type": "string"}, "unit_id": {"type": "integer"}, "unit": {"type": "string"},
    "status": {"type": "string", "enum": ["adopted", "stale", "overdue", "in_progress", "not_started"]},
    "status_label": {"type": "string"}, "items_done": {"type": "integer"}, "items_total": {"type": "integer"},
    "confirmed_version": {"type": "integer", "nullable": True}, "confirmed_at": NULLABLE_STRING,
    "deadline": NULLABLE_STRING, "overdue": {"type": "boolean"}}}


def _json(schema, description="OK"):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _header(description):
    return {"description": description, "required": True, "schema": {"type": "string"}}


ERROR_REF = {"$ref": "#/components/schemas/Error"}
RESPONSES = {
    "301": {**_json({"$ref": "#/components/schemas/Moved"},
                    "Dokumentet har bytt adress: samma begäran under dess nya adress"),
            "headers": {"Location": _header("Samma sökväg och fråga med dokumentets nya adress")}},
    "400": _json(ERROR_REF, "Felaktig begäran"),
    "401": {**_json(ERROR_REF, "Inloggning krävs, eller API-nyckeln är ogiltig (fel, återkallad eller kontot "
                               "avstängt; titeln ”Ogiltig API-nyckel”)"),
            "headers": {"WWW-Authenticate": _header('Bearer realm="Samverkansportalen", med '
                                                    'error="invalid_token" när en skickad nyckel inte godtas')}},
    "403": _json(ERROR_REF, "Ingen behörighet"),
    "404": _json(ERROR_REF, "Finns inte"),
}
SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[a-z0-9-]{1,80}$"}}


def spec() -> dict:
    def op(summary, response, parameters=(), codes=("301", "401", "404")):
        return {"get": {"summary": summary, "parameters": list(parameters),
                        "responses": {"200": response, **{c: RESPONSES[c] for c in codes}}}}

    return {
        "openapi": "3.0.3",
        "info": {"title": "Samverkansportalen API", "version": "1",
                 "description": "Läsbehörighet till handboken och införandet. Autentisering med session eller "
                                "personlig API-nyckel (Authorization: Bearer svp_…) som en administratör utfärdar. "
                                "Ett dokument som har bytt adress svarar på sin gamla adress med 301 till "
                                "samma sökväg under den nya."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": {"Error": ERROR, "Document": DOCUMENT, "Revision": REVISION, "Adoption": ADOPTION,
                                   "Moved": MOVED}},
        "paths": {
            "/api/v1/documents": op("Publicerade dokument", _json(
                {"type": "object", "required": ["documents"],
                 "properties": {"documents": {"type": "array", "items": {"$ref": "#/components/schemas/Document"}}}}),
                codes=("401",)),
            "/api/v1/documents/{slug}": op("Ett dokument med gällande version", _json(
                {"type": "object", "required": ["document", "revision"],
                 "properties": {"document": {"$ref": "#/components/schemas/Document"},
                                "revision": {"$ref": "#/components/schemas/Revision"}}}), [SLUG]),
            "/api/v1/documents/{slug}/revisions": op("Versioner av ett dokument", _json(
                {"type": "object", "required": ["revisions"],
                 "properties": {"revisions": {"type": "array", "items": {"$ref": "#/components/schemas/Revision"}}}}),
                [SLUG]),
            "/api/v1/documents/{slug}/revisions/{number}": op("En version", _json(
                {"$ref": "#/components/schemas/Revision"}),
                [SLUG, {"name": "number", "in": "path", "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}}]),
            "/api/v1/adoption": op("Införandestatus per rutin och enhet", _json(
                {"type": "object", "required": ["adoption"],
                 "properties": {"adoption": {"type": "array", "items": {"$ref": "#/components/schemas/Adoption"}}}}),
                [{"name": "routine", "in": "query", "required": False,
                  "schema": {"type": "string", "pattern": "^[a-z0-9-]{1,80}$"}},
                 {"name": "unit", "in": "query", "required": False,
                  "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}}], codes=("301", "400", "401", "404")),
        },
    }
