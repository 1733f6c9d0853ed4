"""`python -m schemas` rewrites the exported JSON Schema files from the models."""

from schemas import export_json_schemas

for path in export_json_schemas():
    print(path)
