"""The policy language: loader, engine, operators, paths, quantities."""
