"""Axolotl plugins shipped with tunebook, loaded inside the training process.

List them in the Axolotl config (tunebook's compile does):

    plugins:
      - tunebook_plugins.eval_hooks.EvalHooksPlugin

This package's ``__init__`` and ``fields`` import neither torch nor Axolotl.
"""
