"""The engine's own version, stored with every result next to the
definition's (algorithm) version: both are needed to reproduce a result."""

ENGINE_VERSION = "1.0.0"
