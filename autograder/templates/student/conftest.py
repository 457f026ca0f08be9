# Loads the tests' helpers (markers, the `submission` fixture, kind failure messages).
pytest_plugins = ["hardway.pytest_plugin"]
