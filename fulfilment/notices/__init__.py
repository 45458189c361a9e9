"""Customer delay notices: an outbox of templated messages sent through pluggable channels."""
