"""The live daemon: configuration, the run loop (source -> session -> sinks), recording."""
