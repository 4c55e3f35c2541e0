"""The deck format: model, diagnostics, parser, loader, cache, schema, anchors."""
