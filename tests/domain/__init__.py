"""Tests for the domain layer (`frameworks.domain`): each rule once."""
