"""File schemas (pydantic) for the packaged data and user files; the loaders live with their layer."""
