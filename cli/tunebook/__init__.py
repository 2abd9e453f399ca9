"""tunebook: config-driven fine-tuning on top of Axolotl."""

__version__ = "0.1.0"
