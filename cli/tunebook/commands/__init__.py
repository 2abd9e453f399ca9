"""One module per CLI command (or group of closely related commands)."""
