"""Developer tooling at the top of the layers: the demo places and the OpenAPI snapshot.

Nothing in the product imports this app (the import-linter contract puts it above the API):
`maillage load_demo` fills a laptop's directory for `make run` and the tests, and
`maillage export_openapi` writes the committed `maillage/openapi.json`. Both need every layer
below them (the demo goes through the opendata import; the export renders `maillage.api`), which
is why they cannot live in an app of their own domain without an upward import.
"""
