"""Rule categories, one module each. Importing this package registers every rule."""

from tunebook.lint.rules import (  # noqa: F401 - imported to register their rules
    duplicate,
    empty,
    encoding,
    labels,
    leakage,
    near_duplicate,
    outlier,
    output_format,
    pii,
    roles,
    schema,
    size,
    special_tokens,
    too_long,
    trainable,
)
