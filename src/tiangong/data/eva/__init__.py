"""EVA task library and example plan requests (TOML, loaded with importlib.resources)."""
